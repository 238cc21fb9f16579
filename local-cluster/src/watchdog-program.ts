// The program of the watchdog process (see watchdog.ts), as source for
// `node -e`: it must run the same from src/ under the tests and from dist/.
//
// It reads lines from stdin: `watch ROOT`, and `sweep ROOT` (a cluster's
// stop(): answered with `swept ROOT` on stdout once done). Its stdin is a pipe
// whose other end only the cluster's process holds, so end of file means that
// process is gone, however it went; it then sweeps every watched root. A sweep
// SIGKILLs, until none is left, every process that belongs to the root, and
// removes the root:
// - processes whose command line names `ROOT/` (nginx masters, and an nginx a
//   pod started itself) or whose environment has `HOME=ROOT/…` (every pod
//   command and what it started, even after a double fork);
// - the members of their sessions and process groups (nginx workers, commands
//   that cleared their environment), and the descendants of all these.
export const WATCHDOG_PROGRAM = String.raw`
'use strict';
const fs = require('node:fs');
const roots = new Set();
let pending = '';

function read(path) {
  try {
    return fs.readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

function statFields(pid) {
  const stat = read('/proc/' + pid + '/stat');
  return stat === '' ? undefined : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

// Groups and sessions never swept: its own (it leads them) and those of the
// cluster's process, which may be a user's terminal session.
const parent = statFields(process.ppid) ?? [];
const spared = new Set([0, 1, process.pid, Number(parent[2]), Number(parent[3])]);

// Signals meant for the cluster's process (a terminal's Ctrl+C reaches its
// whole group) must not end the one process that cleans up after it.
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(name, () => undefined);

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop();
  for (const line of lines) {
    if (line.startsWith('watch ')) roots.add(line.slice(6));
    else if (line.startsWith('sweep ')) {
      const root = line.slice(6);
      sweepRoots([root]);
      roots.delete(root);
      process.stdout.write('swept ' + root + '\n');
    }
  }
});
process.stdin.on('end', finish);
process.stdin.on('error', finish);

function scan() {
  const entries = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const fields = statFields(name);
    if (fields === undefined || fields[0] === 'Z' || fields[0] === 'X') continue;
    entries.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]) });
  }
  return entries;
}

function belongs(pid, targets) {
  const cmdline = read('/proc/' + pid + '/cmdline');
  const environ = '\0' + read('/proc/' + pid + '/environ');
  for (const root of targets) {
    if (cmdline.includes(root + '/') || environ.includes('\0HOME=' + root + '/')) return true;
  }
  return false;
}

// SIGKILLs what belongs to the roots in targets; returns how many it found.
function killOnce(targets) {
  const all = scan();
  const found = new Set(all.filter((p) => belongs(p.pid, targets)).map((p) => p.pid));
  const groups = new Set();
  const sessions = new Set();
  for (let size = -1; size !== found.size; ) {
    size = found.size;
    for (const p of all) {
      if (!found.has(p.pid)) continue;
      if (!spared.has(p.pgid)) groups.add(p.pgid);
      if (!spared.has(p.sid)) sessions.add(p.sid);
    }
    for (const p of all) if (found.has(p.ppid) || groups.has(p.pgid) || sessions.has(p.sid)) found.add(p.pid);
  }
  for (const pid of found) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return found.size;
}

function sweepRoots(targets) {
  // A process may fork while it is being killed: again until a pass finds nothing.
  const deadline = Date.now() + 1500;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (killOnce(targets) > 0 && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
  for (const root of targets) {
    try {
      fs.rmSync(root, { recursive: true, force: true });
    } catch {
      // A later start's janitor removes it.
    }
  }
}

function finish() {
  if (roots.size > 0) sweepRoots([...roots]);
  process.exit(0);
}
`;
