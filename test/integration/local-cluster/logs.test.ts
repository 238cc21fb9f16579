// pods/{pod}/log on the local cluster as a client sees it: each parameter,
// follow with a slow reader, the kubelet's words for a container without a
// log to give, and kubectl logs (-f) against it.
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { kubectlBinaries, runKubectl, writeKubeconfig } from '../../helpers/kubectl.js';
import { httpsGet } from './raw-client.js';

let cluster: LocalCluster;
let kubeconfig: { path: string; remove(): void };
const LINES = 20_000;
/** 20 000 lines of about 110 bytes: more than the socket buffers hold, so the server must wait for the reader. */
const PAD = 'x'.repeat(100);

beforeAll(async () => {
  cluster = await startLocalCluster({
    spec: {
      namespaces: {
        logs: {
          pods: [
            {
              name: 'lines-0',
              containers: [
                { name: 'main', command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2; exec sleep 3600'] },
              ],
            },
            { name: 'crash-0', containers: [{ name: 'main', command: ['sh', '-c', 'echo "run at $(date +%s%N)"; exit 3'] }] },
            {
              name: 'flood-0',
              containers: [
                {
                  name: 'main',
                  command: ['sh', '-c', `i=0; while [ $i -lt ${LINES} ]; do echo "line $i ${PAD}"; i=$((i+1)); done; exec sleep 3600`],
                },
              ],
            },
            { name: 'sleeper-0', containers: [{ name: 'main' }] },
            { name: 'two-0', containers: [{ name: 'app' }, { name: 'sidecar' }] },
          ],
        },
      },
    },
  });
  kubeconfig = writeKubeconfig(cluster.kubeconfig());
});

afterAll(async () => {
  await cluster?.stop();
  kubeconfig?.remove();
});

const log = (pod: string, query = '') => httpsGet(cluster, `/api/v1/namespaces/logs/pods/${pod}/log${query === '' ? '' : `?${query}`}`);
const podStatus = async (pod: string) =>
  JSON.parse((await httpsGet(cluster, `/api/v1/namespaces/logs/pods/${pod}`)).body) as {
    metadata: { resourceVersion: string };
    status: { containerStatuses: Array<{ restartCount: number; state: Record<string, unknown>; lastState: Record<string, unknown> }> };
  };
/** Polls `check` until it holds (a condition, not a guessed time). */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
const fullLog = (pod: string) => until(async () => ((await log(pod)).body.includes('oops\n') ? (await log(pod)).body : undefined));

describe('GET pods/{pod}/log', () => {
  it('answers the main process output as text/plain, stdout and stderr in order', async () => {
    const body = await fullLog('lines-0');
    expect(body).toBe('line 1\nline 2\nline 3\nline 4\nline 5\noops\n');
    const answer = await log('lines-0');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain');
  });

  it('takes tailLines, timestamps, limitBytes and sinceSeconds', async () => {
    await fullLog('lines-0');
    expect((await log('lines-0', 'tailLines=2')).body).toBe('line 5\noops\n');
    expect((await log('lines-0', 'tailLines=0')).body).toBe('');
    expect((await log('lines-0', 'limitBytes=9')).body).toBe('line 1\nli');
    const stamped = (await log('lines-0', 'timestamps=true&tailLines=1')).body;
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z oops\n$/);
    const stampedAt = Date.parse(stamped.slice(0, 23) + 'Z');
    expect(Math.abs(Date.now() - stampedAt)).toBeLessThan(60_000);
    expect((await log('lines-0', 'sinceSeconds=3600')).body).toBe('line 1\nline 2\nline 3\nline 4\nline 5\noops\n');
    // Once a second has passed since the last line, sinceSeconds=1 leaves nothing.
    await until(async () => (Date.now() - stampedAt > 1100 ? true : undefined));
    expect((await log('lines-0', 'sinceSeconds=1')).body).toBe('');
    const sinceTime = new Date(stampedAt - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect((await log('lines-0', `sinceTime=${sinceTime}&tailLines=1`)).body).toBe('oops\n');
  });

  it('refuses bad options as the API server does', async () => {
    const bad = await log('lines-0', 'tailLines=-1');
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body)).toMatchObject({
      reason: 'Invalid',
      message: 'PodLogOptions "lines-0" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
      details: { name: 'lines-0', kind: 'PodLogOptions', causes: [{ reason: 'FieldValueInvalid', field: 'tailLines' }] },
    });
    expect(JSON.parse((await log('lines-0', 'sinceSeconds=0')).body)).toMatchObject({ code: 422 });
    expect(JSON.parse((await log('lines-0', 'limitBytes=0')).body)).toMatchObject({ code: 422 });
    const both = JSON.parse((await log('lines-0', 'sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z')).body) as { message: string };
    expect(both.message).toContain('at most one of `sinceTime` or `sinceSeconds` may be specified');
    expect((await log('lines-0', 'tailLines=abc')).status).toBe(400);
  });

  it('names the containers to choose from, refuses an unknown one, and a missing pod', async () => {
    expect(JSON.parse((await log('two-0')).body)).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'a container name must be specified for pod two-0, choose one of: [app sidecar]',
    });
    expect(JSON.parse((await log('two-0', 'container=nope')).body)).toMatchObject({
      code: 400,
      message: 'container nope is not valid for pod two-0',
    });
    expect(JSON.parse((await log('no-such-pod')).body)).toMatchObject({ code: 404, message: 'pods "no-such-pod" not found' });
    expect((await log('two-0', 'container=sidecar')).body).toBe('');
  });

  it("answers previous with the kubelet's words until the container has restarted, then the earlier run", async () => {
    expect(JSON.parse((await log('lines-0', 'previous=true')).body)).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'previous terminated container "main" in pod "lines-0" not found',
    });
    // crash-0 exits 3 and is restarted after a back-off; its earlier run stays readable.
    const status = await until(async () => {
      const pod = await podStatus('crash-0');
      return pod.status.containerStatuses[0]!.restartCount >= 1 ? pod : undefined;
    });
    expect(status.status.containerStatuses[0]!.lastState).toMatchObject({ terminated: { exitCode: 3, reason: 'Error' } });
    const previous = await log('crash-0', 'previous=true');
    expect(previous.status).toBe(200);
    expect(previous.body).toMatch(/^run at \d+\n$/);
    expect(Number(status.metadata.resourceVersion)).toBeGreaterThan(1);
  });

  it('a container without a main process has an empty log, and follow keeps it open until the client goes', async () => {
    expect((await log('sleeper-0')).body).toBe('');
    const req = request(new URL('/api/v1/namespaces/logs/pods/sleeper-0/log?follow=true', cluster.url), {
      headers: { Authorization: `Bearer ${cluster.token}` },
      ca: cluster.caPem,
    });
    req.on('error', () => undefined);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve).end());
    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const ended = new Promise((resolve) => res.on('close', resolve));
    req.destroy();
    await ended;
  });

  it('follows without losing a line behind a reader that does not read', async () => {
    const req = request(new URL('/api/v1/namespaces/logs/pods/flood-0/log?follow=true', cluster.url), {
      headers: { Authorization: `Bearer ${cluster.token}` },
      ca: cluster.caPem,
    });
    req.on('error', () => undefined);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve).end());
    res.pause();
    // The reader holds off until the container has written everything.
    await until(async () => ((await log('flood-0', 'tailLines=1')).body === `line ${LINES - 1} ${PAD}\n` ? true : undefined), 30_000);
    let text = '';
    res.on('data', (chunk: Buffer) => (text += chunk.toString()));
    res.resume();
    await until(async () => (text.endsWith(`line ${LINES - 1} ${PAD}\n`) ? true : undefined), 30_000);
    req.destroy();
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(LINES);
    expect(lines.every((line, i) => line === `line ${i} ${PAD}`)).toBe(true);
  });

  it('follows new lines as they come and ends when the run ends', async () => {
    // crash-0 runs again and again; a follow of its current run ends with that run.
    const req = request(new URL('/api/v1/namespaces/logs/pods/crash-0/log?follow=true&timestamps=true', cluster.url), {
      headers: { Authorization: `Bearer ${cluster.token}` },
      ca: cluster.caPem,
    });
    const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve).end());
    let text = '';
    res.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await new Promise((resolve) => res.on('end', resolve));
    expect(res.statusCode).toBe(200);
    expect(text).toMatch(/^(\S+ run at \d+\n)?$/);
  });
});

const binaries = kubectlBinaries();
describe.skipIf(binaries.length === 0)('kubectl logs', () => {
  const kubectl = binaries[0]!;
  it("prints a log, its tail with timestamps, and refuses previous in the server's words", async () => {
    await fullLog('lines-0');
    const all = await runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, '-n', 'logs', 'logs', 'lines-0']);
    expect(all.code).toBe(0);
    expect(all.stdout.toString()).toBe('line 1\nline 2\nline 3\nline 4\nline 5\noops\n');
    const tail = await runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, '-n', 'logs', 'logs', 'lines-0', '--tail=1', '--timestamps']);
    expect(tail.stdout.toString()).toMatch(/^\S+Z oops\n$/);
    const previous = await runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, '-n', 'logs', 'logs', 'lines-0', '-p']);
    expect(previous.code).toBe(1);
    expect(previous.stderr).toContain('previous terminated container "main" in pod "lines-0" not found');
  });

  it('follows the distroless-style web-0 of the default spec with logs -f', async () => {
    const demo = await startLocalCluster();
    const config = writeKubeconfig(demo.kubeconfig());
    try {
      const child = spawn(kubectl, ['--kubeconfig', config.path, 'logs', '-f', 'web-0'], {
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // The first line comes at start, the heartbeat a few seconds later: both reach a following kubectl.
      await until(async () => (/heartbeat 1\n/.test(out) ? true : undefined), 15_000);
      expect(out).toMatch(/^web-0 listening on http:\/\/127\.0\.0\.1:\d+\n/);
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await exited;
      const exec = await runKubectl(kubectl, ['--kubeconfig', config.path, 'exec', 'web-0', '--', 'sh', '-c', 'true']);
      expect(exec.code).not.toBe(0);
      expect(exec.stderr).toContain('executable file not found in $PATH');
    } finally {
      config.remove();
      await demo.stop();
    }
  }, 30_000);
});
