// The seed's own clients, run as programs: kubectl, curl's raw websocket
// upgrade, the Kubernetes Java client (a Maven project under test/clients/java)
// and the Python client (test/clients/python, in a venv in the cache
// directory). Each is built or installed once, outside the repository.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../helpers/stack.js';
import { cacheDir } from './binaries.js';

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export function run(
  binary: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; input?: Buffer } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

const clientsRoot = join(projectRoot, 'test', 'clients');
const base = () => join(cacheDir(), '..');

/** A hash of the files a build is made from: a fresh clone's new mtimes do not rebuild it. */
function recipe(sources: string[]): string {
  const hash = createHash('sha256');
  for (const source of sources) hash.update(readFileSync(source));
  return hash.digest('hex');
}

/** True when `stamp` holds the recipe of these sources (the build that wrote it is current). */
function current(stamp: string, sources: string[]): boolean {
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === recipe(sources);
}

/** Builds the Java client project with Maven (once); resolves with the java command line before the program's arguments. */
export async function javaClient(): Promise<string[]> {
  const out = join(base(), 'java-client');
  const project = join(clientsRoot, 'java');
  const classpath = join(out, 'classpath.txt');
  const jar = join(out, 'java-exec-client-1.0.0.jar');
  const sources = [join(project, 'pom.xml'), join(project, 'src/main/java/webterm/ExecReload.java')];
  const stamp = join(out, 'built-from.sha256');
  if (!current(stamp, sources) || !existsSync(jar) || !existsSync(classpath)) {
    mkdirSync(out, { recursive: true });
    const built = await run(
      'nice',
      ['-n', '10', 'mvn', '-B', '-q', `-DbuildDir=${out}`, 'package', 'dependency:build-classpath', `-Dmdep.outputFile=${classpath}`],
      { cwd: project, timeoutMs: 15 * 60_000 },
    );
    if (built.code !== 0)
      throw new Error(`mvn package failed (${built.code}):\n${built.stdout.toString().slice(-4000)}${built.stderr.slice(-2000)}`);
    writeFileSync(stamp, recipe(sources));
  }
  return ['java', '-cp', `${jar}:${readFileSync(classpath, 'utf8').trim()}`, 'webterm.ExecReload'];
}

/** Installs the Python client into a venv (once); resolves with the python command line before the program's arguments. */
export async function pythonClient(): Promise<string[]> {
  const venv = join(base(), 'python-client', 'venv');
  const requirements = join(clientsRoot, 'python', 'requirements.txt');
  const stamp = join(venv, 'installed-from.sha256');
  if (!current(stamp, [requirements])) {
    mkdirSync(join(base(), 'python-client'), { recursive: true });
    if (!existsSync(join(venv, 'bin', 'python'))) {
      const made = await run('python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
      if (made.code !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`);
    }
    const installed = await run(join(venv, 'bin', 'pip'), ['install', '-q', '-r', requirements], { timeoutMs: 10 * 60_000 });
    if (installed.code !== 0) throw new Error(`pip install failed: ${installed.stderr}`);
    writeFileSync(stamp, recipe([requirements]));
  }
  return [join(venv, 'bin', 'python'), join(clientsRoot, 'python', 'exec_reload.py')];
}

export interface WebsocketFrame {
  opcode: number;
  payload: Buffer;
}

/** Unmasked frames as a server sends them, from the bytes after the 101 response's headers. */
export function parseFrames(bytes: Buffer): WebsocketFrame[] {
  const frames: WebsocketFrame[] = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const opcode = bytes[offset]! & 0x0f;
    let length = bytes[offset + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (offset + header + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(offset + header, offset + header + length) });
    offset += header + length;
  }
  return frames;
}
