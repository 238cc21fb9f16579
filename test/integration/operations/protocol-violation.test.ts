// A browser whose frame breaks the protocol is closed by the gateway and its
// session ends at once (the process too); only a real drop is kept for resume.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal, poll, type TerminalClient } from '../../helpers/terminal-client.js';

let stack: Stack;

beforeAll(async () => {
  // A long grace period: a session wrongly kept for resume would still hold its process when the test looks.
  stack = await startStack({ config: { sessions: { resumeGraceSeconds: 60 }, terminal: { maxPayloadBytes: 64 * 1024 } } });
});

afterAll(async () => {
  await stack.stop();
});

async function sessionId(client: TerminalClient): Promise<string> {
  const message = await client.waitForMessage('session');
  if (message.type !== 'session') throw new Error('no session message');
  return message.id;
}

function endLine(id: string): Record<string, unknown> | undefined {
  const line = stack.logs.find((l) => l.includes('"event":"session.end"') && l.includes(id));
  return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
}

/** Opens `cat` in the pod and waits until its process runs. */
async function openCat(): Promise<{ client: TerminalClient; id: string; execsBefore: number }> {
  const execsBefore = stack.cluster.activeExecs();
  const client = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
  const id = await sessionId(client);
  await poll(() => stack.cluster.activeExecs() > execsBefore, 5000, 'the process to start');
  return { client, id, execsBefore };
}

const violations: Array<[string, number, string, (client: TerminalClient) => void]> = [
  ['a message over maxPayloadBytes', 1009, 'payload_too_large', (c) => c.ws.send(Buffer.alloc(65 * 1024), { binary: true })],
  ['a text frame that is not UTF-8', 1007, 'bad_request', (c) => c.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false })],
  [
    'a fragment flood',
    1008,
    'bad_request',
    (c) => {
      for (let i = 0; i < 20_000 && c.ws.readyState === c.ws.OPEN; i += 1) c.ws.send(Buffer.from('x'), { binary: true, fin: false });
    },
  ],
];

describe('a session the gateway ends for a protocol violation', () => {
  it.each(violations)(
    'ends at once for %s (close %i), process and all, and cannot be resumed',
    async (_name, closeCode, errorCode, violate) => {
      const { client, id, execsBefore } = await openCat();
      violate(client);
      expect((await client.closed).code).toBe(closeCode);
      // Ended by the gateway: the upstream exec is closed and the process goes, well within the grace period.
      await poll(() => stack.cluster.activeExecs() === execsBefore, 5000, 'the process to end');
      await poll(() => endLine(id) !== undefined, 2000, 'the session.end audit line');
      expect(endLine(id)).toMatchObject({ reason: 'protocol-violation', code: errorCode });
      const back = openTerminal(stack.wsUrl, { resume: id, offset: 0 }, { token: stack.token() });
      expect((await back.closed).code).toBe(4404);
    },
  );

  it('counts it in the metrics by its error code', async () => {
    const metrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/webterm_sessions_total\{[^}]*outcome="payload_too_large"[^}]*\} [1-9]/);
  });

  it('still keeps a real drop for resume (the same process goes on)', async () => {
    const { client, id, execsBefore } = await openCat();
    client.ws.terminate();
    await poll(() => stack.logs.some((l) => l.includes('session kept for resume') && l.includes(id)), 2000, 'the session to be kept');
    expect(stack.cluster.activeExecs()).toBeGreaterThan(execsBefore);
    const back = openTerminal(stack.wsUrl, { resume: id, offset: 0, tty: false }, { token: stack.token() });
    expect(await back.waitForMessage('session')).toMatchObject({ id, resumed: true });
    back.sendText('still-here\n');
    await back.waitForOutput('still-here\n');
    back.ws.close(1000);
    await poll(() => stack.cluster.activeExecs() === execsBefore, 5000, 'the process to end');
  });
});

describe('a kubectl exec the gateway closes for a protocol violation', () => {
  it('ends with its upstream, audited as a protocol violation', async () => {
    const execsBefore = stack.cluster.activeExecs();
    const url = `${stack.wsUrl}/k8s/clusters/local/api/v1/namespaces/default/pods/shell-0/exec?command=cat&stdin=true&stdout=true`;
    const kubectl = new WebSocket(url, ['v5.channel.k8s.io'], {
      headers: { Authorization: `Bearer ${stack.token({ sub: 'kubectl-violator' })}` },
    });
    const closed = new Promise<number>((resolve) => kubectl.once('close', (code) => resolve(code)));
    await once(kubectl, 'open');
    await poll(() => stack.cluster.activeExecs() > execsBefore, 5000, 'the process to start');
    kubectl.send(Buffer.from([0x00, 0xc3, 0x28]), { binary: false });
    expect(await closed).toBe(1007);
    await poll(() => stack.cluster.activeExecs() === execsBefore, 5000, 'the process to end');
    await poll(
      () => stack.logs.some((l) => l.includes('"event":"session.end"') && l.includes('kubectl-violator')),
      2000,
      'the session.end audit line',
    );
    const line = stack.logs.find((l) => l.includes('"event":"session.end"') && l.includes('kubectl-violator')) ?? '{}';
    expect(JSON.parse(line)).toMatchObject({ reason: 'protocol-violation' });
  });
});
