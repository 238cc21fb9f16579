// The demo as a newcomer runs it: `npm start` with no configuration, in a
// process of its own on a free port, read from what it prints.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.js';
import { projectRoot } from './stack.js';

export interface DemoProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  base: string;
  port: number;
  /** The printed link: base/#token=… for the demo user `dev`. */
  link: string;
  devToken: string;
  /** The kubeconfig and the CA the demo printed. */
  kubeconfigFile: string;
  caFile: string;
  /** Everything printed so far. */
  output(): string;
  /** `npm run token -- --sub … --groups …`, as a user runs it. */
  token(sub: string, groups: string[]): string;
  /** The secret the demo signs with (from its folder), for tokens the script will not make (expired ones). */
  secret(): string;
  stop(): Promise<void>;
}

export async function startDemoProcess(): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: projectRoot,
    env: { ...process.env, GATEWAY_CONFIG: '', PORT: '0', HOST: '', GATEWAY_JWT_SECRET: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let printed = '';
  const keep = (chunk: Buffer) => {
    if (printed.length < 200_000) printed += chunk.toString();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const lines = await new Promise<{ link: string; kubeconfig: string; ca: string }>((resolve, reject) => {
    const look = () => {
      const link = /^Open (http:\/\/\S+\/#token=\S+)$/m.exec(printed)?.[1];
      const kubectl = /^kubectl: kubectl --kubeconfig (\S+) get pods .*CA: (\S+)\)$/m.exec(printed);
      if (link !== undefined && kubectl !== null) {
        child.stdout!.off('data', look);
        resolve({ link, kubeconfig: kubectl[1]!, ca: kubectl[2]! });
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`the demo exited with ${code}: ${printed.slice(0, 2000)}`)));
  });
  const url = new URL(lines.link);
  const port = Number(url.port);
  const devToken = url.hash.slice('#token='.length);
  return {
    child,
    base: url.origin,
    port,
    link: lines.link,
    devToken,
    kubeconfigFile: lines.kubeconfig,
    caFile: lines.ca,
    output: () => printed,
    token(sub, groups) {
      const result = spawnSync(
        process.execPath,
        ['scripts/token.mjs', '--sub', sub, '--groups', groups.join(','), '--port', String(port)],
        {
          cwd: projectRoot,
          env: { ...process.env, GATEWAY_JWT_SECRET: '' },
          encoding: 'utf8',
        },
      );
      if (result.status !== 0) throw new Error(`npm run token failed: ${result.stderr}`);
      return result.stdout.trim();
    },
    secret: () => readFileSync(join(lines.kubeconfig, '..', 'jwt-secret'), 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * For a browser test file: starts the demo and a browser before its tests
 * (handing both to `use`) and stops them after.
 */
export function useDemoAndBrowser(use: (demo: DemoProcess, browser: Browser) => void): void {
  let demo: DemoProcess | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemoProcess(), launchBrowser()]);
    use(demo, browser);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });
}
