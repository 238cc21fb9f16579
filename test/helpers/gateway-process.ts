// The gateway as operators run it: `npm start` in a process of its own with a
// gateway.yaml, for tests of signals and of the process's own memory and CPU.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from './stack.js';

export interface GatewayProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  url: string;
  /** A directory of its own, removed by stop() (for audit files and the like). */
  dir: string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the gateway with this configuration (listen on 127.0.0.1 port 0 is added). */
export async function startGatewayProcess(config: (dir: string) => Record<string, unknown>): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'webterm-gateway-'));
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(configFile, stringify({ listen: { host: '127.0.0.1', port: 0 }, ...config(dir) }));
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: projectRoot,
    env: { ...process.env, GATEWAY_CONFIG: configFile, PORT: '', HOST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let start = '';
  const url = await new Promise<string>((resolve, reject) => {
    const keep = (chunk: Buffer) => {
      // The log is read to the end (a full pipe would block the gateway); only its start is kept.
      if (start.length < 100_000) start += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)".*gateway listening/.exec(start);
      if (match !== null) resolve(match[1]!);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    void exited.then((code) => reject(new Error(`the gateway exited with ${code}: ${start.slice(0, 2000)}`)));
  });
  return {
    child,
    url,
    dir,
    exited,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
