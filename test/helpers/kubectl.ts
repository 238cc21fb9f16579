// The installed kubectl binaries, run as a user would run them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GCLOUD_BIN = '/usr/lib/google-cloud-sdk/bin';

/** kubectl binaries by minor version found on the machine: /usr/lib/google-cloud-sdk/bin/kubectl.1.N. */
function gcloudKubectls(): Array<{ minor: number; path: string }> {
  if (!existsSync(GCLOUD_BIN)) return [];
  return readdirSync(GCLOUD_BIN)
    .map((name) => /^kubectl\.1\.(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ minor: Number(m[1]), path: join(GCLOUD_BIN, m[0]) }))
    .sort((a, b) => a.minor - b.minor);
}

/** The plain `kubectl` on PATH and the newest versioned one, when present. */
export function kubectlBinaries(): string[] {
  const found: string[] = [];
  if (existsSync('/usr/bin/kubectl')) found.push('/usr/bin/kubectl');
  const newest = gcloudKubectls().at(-1);
  if (newest !== undefined) found.push(newest.path);
  return found;
}

/** A versioned kubectl of exactly this minor version, if installed. */
export function kubectlOfMinor(minor: number): string | undefined {
  return gcloudKubectls().find((k) => k.minor === minor)?.path;
}

export interface KubectlResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export function runKubectl(
  binary: string,
  args: string[],
  options: { input?: Buffer | string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      // A private HOME: no discovery cache or config of the machine's user leaks in.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr });
    });
    child.stdin.on('error', () => undefined);
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Writes a kubeconfig to a temporary file; returns its path and a cleanup. */
export function writeKubeconfig(text: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  const path = join(dir, 'config');
  writeFileSync(path, text, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
