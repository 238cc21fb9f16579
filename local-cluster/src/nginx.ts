// A pod's own real nginx (Debian's package): its prefix, config, pid file and
// loopback port, so `nginx -t` and `nginx -s reload` inside the pod act on it.
// The master runs in the foreground as a child of the cluster's process.
import { spawn, spawnSync } from 'node:child_process';
import { constants as fsConstants, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Socket as NetSocket, type Socket } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { processAlive, sessionMembers } from './sessions.js';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface PodNginx {
  port: number;
  prefix: string;
  /** The nginx.conf this pod's nginx reads; edit it, then reload from inside the pod. */
  confPath: string;
}

export function nginxInstalled(binary = NGINX_BINARY): boolean {
  return existsSync(binary);
}

/**
 * The arguments that point nginx at the pod's prefix; the wrapper adds the
 * caller's. `-e` matters: Debian's build otherwise opens
 * /var/log/nginx/error.log before it reads any config.
 */
export function nginxArgs(prefix: string): string[] {
  return ['-p', `${prefix}/`, '-c', join(prefix, 'conf', 'nginx.conf'), '-e', join(prefix, 'logs', 'error.log')];
}

function accessFifo(prefix: string): string {
  return join(prefix, 'logs', 'access.fifo');
}

/**
 * Reads the access log FIFO without blocking a thread: opened read-write (so
 * it never reports an end while nginx reopens it) and non-blocking, as a pipe.
 */
function readAccessLog(prefix: string, output: (data: Buffer) => void): Socket | undefined {
  const path = accessFifo(prefix);
  if (spawnSync('mkfifo', ['-m', '600', path]).status !== 0) return undefined;
  const fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
  const socket = new NetSocket({ fd, readable: true, writable: false });
  socket.on('data', output);
  socket.on('error', () => undefined);
  socket.unref();
  return socket;
}

function pidPath(prefix: string): string {
  return join(prefix, 'logs', 'nginx.pid');
}

function defaultConf(prefix: string, port: number, podName: string): string {
  // No `user` directive: nginx runs as whoever runs the cluster. `daemon off`:
  // the master stays the cluster's child, so the cluster's watchdog and stop()
  // find it, and an `nginx` started inside the pod stays in that exec.
  return `# nginx of pod ${podName} (embedded local cluster)
daemon off;
pid ${pidPath(prefix)};
worker_processes 1;
events { worker_connections 64; }
# The container's log: errors on the master's stderr; the access log through a
# FIFO the cluster reads (the master's stdout is a socket, which nginx cannot open).
error_log stderr;
http {
    access_log ${accessFifo(prefix)};
    client_body_temp_path ${prefix}/temp/body;
    proxy_temp_path ${prefix}/temp/proxy;
    fastcgi_temp_path ${prefix}/temp/fastcgi;
    uwsgi_temp_path ${prefix}/temp/uwsgi;
    scgi_temp_path ${prefix}/temp/scgi;
    server {
        listen 127.0.0.1:${port};
        location / { return 200 "${podName}\\n"; }
    }
}
`;
}

const START_TIMEOUT_MS = 10_000;

/**
 * Lays out the prefix with a default config and starts nginx on a free port,
 * its master in the foreground in a session of its own (with its workers).
 * Resolves once the master has bound its port and written its pid file.
 */
export interface NginxOutput {
  /** The master has started: its pid, and where its output and its end go from now on. */
  started(pid: number): { output(stream: 'stdout' | 'stderr', data: Buffer): void; exit(result: { code: number }): void };
}

export async function startPodNginx(prefix: string, podName: string, binary = NGINX_BINARY, log?: NginxOutput): Promise<PodNginx> {
  for (const dir of ['conf', 'logs', 'temp']) mkdirSync(join(prefix, dir), { recursive: true });
  const port = await freePort();
  const confPath = join(prefix, 'conf', 'nginx.conf');
  writeFileSync(confPath, defaultConf(prefix, port, podName));
  let events: ReturnType<NginxOutput['started']> | undefined;
  const access = readAccessLog(prefix, (chunk) => events?.output('stdout', chunk));
  const master = spawn(binary, nginxArgs(prefix), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  events = master.pid === undefined ? undefined : log?.started(master.pid);
  master.once('close', () => access?.destroy());
  let stderr = '';
  master.stdout!.on('data', (chunk: Buffer) => events?.output('stdout', chunk));
  master.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
    events?.output('stderr', chunk);
  });
  master.once('close', (code, signal) => events?.exit({ code: code ?? 128 + (signal === null ? 1 : (constants.signals[signal] ?? 1)) }));
  let exited: string | undefined;
  master.once('error', (error) => (exited ??= error.message));
  master.once('exit', (code, signal) => (exited ??= `nginx exited (${signal ?? code}): ${stderr.trim()}`));
  // nginx writes its pid file once it listens.
  const deadline = Date.now() + START_TIMEOUT_MS;
  let failure: string | undefined;
  while (failure === undefined && masterPid({ port, prefix, confPath }) !== master.pid) {
    if (exited !== undefined) failure = exited;
    else if (Date.now() > deadline) failure = `nginx did not start within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`;
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (failure !== undefined) {
    master.kill('SIGKILL');
    throw new Error(failure);
  }
  // A running nginx must not keep the cluster's process alive by itself.
  master.unref();
  (master.stderr as Socket).unref();
  (master.stdout as Socket).unref();
  return { port, prefix, confPath };
}

function masterPid(nginx: PodNginx): number | undefined {
  try {
    const pid = Number(readFileSync(pidPath(nginx.prefix), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the pod's nginx: SIGTERM to the master (a fast shutdown that ends its
 * workers), SIGKILL if it is still there after `graceMs`.
 */
export async function stopPodNginx(nginx: PodNginx, graceMs = 2000): Promise<void> {
  const pid = masterPid(nginx);
  if (pid === undefined || !processAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // The master leads its own session, workers included.
  if (!processAlive(pid)) return;
  for (const member of sessionMembers(pid)) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

/** The `nginx` on the pod's PATH: the real binary pointed at the pod's prefix. */
export function nginxWrapperScript(prefix: string, binary = NGINX_BINARY): string {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# This pod's nginx: ${prefix}\nexec ${quote(binary)} ${nginxArgs(prefix).map(quote).join(' ')} "$@"\n`;
}

/** The `nginx` of an nginx pod on a machine without nginx. */
export const NGINX_MISSING_SCRIPT =
  '#!/bin/sh\necho "nginx is not installed on this machine (the local cluster runs the nginx of the host, e.g. Debian\'s /usr/sbin/nginx)" >&2\nexit 127\n';
