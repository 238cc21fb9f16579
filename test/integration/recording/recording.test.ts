// Session recording end to end: a rule with record: true writes an asciicast
// that replays exactly what the browser was shown; who may fetch it; what
// happens when it cannot be written.
import { open } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { AsciicastWriter } from '../../../server/recording/asciicast.js';
import { waitForRecordingClosed } from '../../helpers/recordings.js';
import { startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal, poll } from '../../helpers/terminal-client.js';

let cluster: LocalCluster;
let stack: Stack;
let directory: string;

const policy = [
  { groups: ['dev'], clusters: ['*'], namespaces: ['default'], allow: ['exec'], record: true },
  { groups: ['dev'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['exec'] },
  { groups: ['auditors'], clusters: ['*'], namespaces: ['default'], allow: ['recordings'] },
];

beforeAll(async () => {
  cluster = await startLocalCluster();
  directory = join(mkdtempSync(join(tmpdir(), 'webterm-recordings-')), 'recordings');
  stack = await startStack({ cluster, config: { recording: { directory }, policy } });
});

afterAll(async () => {
  await stack.stop();
  await cluster.stop();
  rmSync(join(directory, '..'), { recursive: true, force: true });
});

type CastEvent = [number, string, string];

function readCast(path: string): { header: Record<string, unknown>; events: CastEvent[] } {
  const [first, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header: JSON.parse(first!) as Record<string, unknown>, events: lines.map((line) => JSON.parse(line) as CastEvent) };
}

async function recordedSession(): Promise<{ id: string; shown: string }> {
  const client = openTerminal(stack.wsUrl, {}, { token: stack.token({ sub: 'alice' }) });
  const session = await client.waitForMessage('session');
  client.control({ type: 'resize', cols: 100, rows: 30 });
  client.sendText("printf '中文 ✓ \\360\\237\\232\\200\\n'; stty size\n");
  await client.waitForOutput('30 100');
  client.control({ type: 'resize', cols: 90, rows: 20 });
  client.sendText('stty size; exit 0\n');
  await client.waitForMessage('exit');
  return { id: session.type === 'session' ? session.id : '', shown: client.outputText() };
}

describe('session recording', () => {
  it('writes an asciicast v2 file that replays exactly the bytes the browser was shown, with the resizes', async () => {
    const { id, shown } = await recordedSession();
    const path = join(directory, `${id}.cast`);
    await waitForRecordingClosed(directory, id);
    const { header, events } = readCast(path);
    expect(header).toMatchObject({ version: 2, width: 80, height: 24, title: 'alice in local/default/shell-0' });
    expect(typeof header.timestamp).toBe('number');
    const output = events
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    expect(output).toBe(shown);
    expect(output).toContain('中文 ✓ 🚀');
    expect(events.filter((e) => e[1] === 'r').map((e) => e[2])).toEqual(['100x30', '90x20']);
    const times = events.map((e) => e[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(stack.logs.some((l) => l.includes('"event":"session.start"') && l.includes(`"recording":"${path}"`))).toBe(true);
  });

  it('records only what a rule with record: true allows', async () => {
    const client = openTerminal(
      stack.wsUrl,
      { namespace: 'ingress-nginx', pod: 'ingress-nginx-controller-0', command: ['true'] },
      { token: stack.token() },
    );
    const session = await client.waitForMessage('session');
    await client.waitForMessage('exit');
    expect(() => statSync(join(directory, `${session.type === 'session' ? session.id : ''}.cast`))).toThrow();
  });

  it('serves a recording to its user and to auditors, refuses others, lists what each may see', async () => {
    const { id } = await recordedSession();
    const get = (sub: string, groups: string[], path = `/api/recordings/${id}`) =>
      fetch(`${stack.gatewayUrl}${path}`, { headers: { Authorization: `Bearer ${stack.token({ sub, groups })}` } });
    const own = await get('alice', ['dev']);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toMatch(/^application\/x-asciicast/);
    expect((await own.text()).split('\n')[0]).toContain('"version":2');
    expect((await get('carol', ['auditors'])).status).toBe(200);
    const other = await get('mallory', ['dev']);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await fetch(`${stack.gatewayUrl}/api/recordings/${id}`)).status).toBe(401);
    expect((await get('alice', ['dev'], '/api/recordings/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('alice', ['dev'], '/api/recordings/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);

    const listed = (await (await get('carol', ['auditors'], '/api/recordings')).json()) as { items: Array<{ id: string; user: string }> };
    expect(listed.items.map((r) => r.id)).toContain(id);
    const mine = (await (await get('mallory', ['dev'], '/api/recordings')).json()) as { items: unknown[] };
    expect(mine.items).toEqual([]);
  });

  it('serves the player page at /recordings/{id} with a CSP that lets the player run', async () => {
    const response = await fetch(`${stack.gatewayUrl}/recordings/00000000-0000-4000-8000-000000000000`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<base href="../" />');
    expect(response.headers.get('content-security-policy')).toContain("'wasm-unsafe-eval'");
    expect(response.headers.get('content-security-policy')).toContain('frame-ancestors');
  });
});

describe('a recording that cannot be written', () => {
  it('fail closed: refuses the session with 4500 recording_failed, and dials nothing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'webterm-norec-')), 'not-a-directory');
    writeFileSync(file, 'x');
    const closed = await startStack({ cluster, config: { recording: { directory: join(file, 'recordings') }, policy } });
    try {
      const execs = cluster.activeExecs();
      const client = openTerminal(closed.wsUrl, { command: ['echo', 'should-not-run'] }, { token: closed.token() });
      expect((await client.closed).code).toBe(4500);
      expect(client.messages[0]).toMatchObject({
        type: 'error',
        code: 'recording_failed',
        message: expect.stringContaining('must be recorded'),
      });
      expect(client.outputText()).toBe('');
      expect(cluster.activeExecs()).toBe(execs);
    } finally {
      await closed.stop();
      rmSync(join(file, '..'), { recursive: true, force: true });
    }
  });

  it('fail open: the session goes on and the audit log says the recording failed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'webterm-norec-')), 'not-a-directory');
    writeFileSync(file, 'x');
    const open = await startStack({ cluster, config: { recording: { directory: join(file, 'recordings'), failure: 'open' }, policy } });
    try {
      const client = openTerminal(open.wsUrl, { command: ['echo', 'ran-anyway'] }, { token: open.token() });
      expect(await client.waitForMessage('exit')).toEqual({ type: 'exit', code: 0 });
      expect(client.outputText()).toBe('ran-anyway\n');
      await poll(() => open.logs.some((l) => l.includes('"event":"recording.failed"')), 2000, 'the recording.failed audit line');
    } finally {
      await open.stop();
      rmSync(join(file, '..'), { recursive: true, force: true });
    }
  });

  it('fail closed: a recording whose writes fail ends the session with 4500', async () => {
    // A real writer whose disk is full: /dev/full answers every write with ENOSPC.
    const recorder = {
      async start() {
        const writer = new AsciicastWriter('/dev/full', await open('/dev/full', 'w'), { width: 80, height: 24, timestamp: 0 });
        return {
          path: '/dev/full',
          output: (d: Buffer) => writer.output(d),
          resize: (c: number, r: number) => writer.resize(c, r),
          onError: (l: (e: Error) => void) => writer.onError(l),
          close: () => writer.close(),
        };
      },
    };
    const full = await startStack({ cluster, config: { recording: { directory }, policy }, recorder });
    try {
      const client = openTerminal(full.wsUrl, { command: ['sh', '-c', 'echo first; sleep 100'], tty: false }, { token: full.token() });
      const closed = await client.closed;
      expect(closed.code).toBe(4500);
      expect(client.messages.at(-1)).toMatchObject({ type: 'error', code: 'recording_failed' });
      // The first write fails before or after the cluster answered (a refusal, or the end of a
      // started session): either way audited with the code, and no process is left.
      await poll(
        () => full.logs.some((l) => /"event":"(refusal|session\.end)"/.test(l) && l.includes('recording_failed')),
        5000,
        'the audit line',
      );
      await poll(() => cluster.activeExecs() === 0, 5000, 'no exec left');
    } finally {
      await full.stop();
    }
  });
});
