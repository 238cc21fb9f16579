// The terminal websocket end to end: a real websocket client, the gateway, and
// the embedded local cluster over verified TLS.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal, poll } from '../../helpers/terminal-client.js';
import { startStack, type Stack } from '../../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('a command through the gateway', () => {
  it('echoes its output, then sends exit 0 and closes 1000', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['echo', 'hello from the pod'] }, { token: stack.token() });
    const closed = await client.closed;
    expect(client.outputText()).toBe('hello from the pod\n');
    expect(client.messages.at(-1)).toEqual({ type: 'exit', code: 0 });
    expect(closed.code).toBe(1000);
  });

  it('selects webterm.v1 and never echoes the token subprotocol', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['true'] }, { token: stack.token() });
    await client.opened;
    expect(client.ws.protocol).toBe('webterm.v1');
    await client.closed;
  });

  it('announces the session before any output', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['echo', 'x'], container: 'shell' }, { token: stack.token() });
    await client.closed;
    expect(client.messages[0]).toMatchObject({
      type: 'session',
      cluster: 'local',
      namespace: 'default',
      pod: 'shell-0',
      container: 'shell',
      tty: false,
    });
  });

  it('reports a non-zero exit code as exit 3', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }, { token: stack.token() });
    const closed = await client.closed;
    expect(client.messages.at(-1)).toEqual({ type: 'exit', code: 3 });
    expect(closed.code).toBe(1000);
    expect(client.outputText()).toContain('out\n');
    expect(client.outputText()).toContain('err\n');
  });

  it('accepts the token in the Authorization header (non-browser clients)', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['echo', 'header'] }, { token: stack.token(), tokenInHeader: true });
    await client.closed;
    expect(client.outputText()).toBe('header\n');
  });

  it('carries 1 MiB of random stdin through cat byte-exact (tty off)', async () => {
    const input = randomBytes(1024 * 1024);
    const client = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
    await client.opened;
    for (let offset = 0; offset < input.length; offset += 16 * 1024) client.sendBytes(input.subarray(offset, offset + 16 * 1024));
    client.control({ type: 'eof' });
    await client.closed;
    expect(client.messages.at(-1)).toEqual({ type: 'exit', code: 0 });
    expect(createHash('sha256').update(client.output()).digest('hex')).toBe(createHash('sha256').update(input).digest('hex'));
  });
});

describe('an interactive shell', () => {
  it('follows resize: stty size shows the new size', async () => {
    const client = openTerminal(stack.wsUrl, {}, { token: stack.token() });
    await client.opened;
    client.control({ type: 'resize', cols: 123, rows: 45 });
    client.sendText('stty size; exit\n');
    await client.closed;
    expect(client.outputText()).toContain('45 123');
    expect(client.messages.at(-1)).toEqual({ type: 'exit', code: 0 });
  });

  it('is bash where the container has bash', async () => {
    const client = openTerminal(stack.wsUrl, { pod: 'shell-0' }, { token: stack.token() });
    client.sendText('echo "shell=$(basename $(readlink /proc/$$/exe))"; exit\n');
    await client.closed;
    expect(client.outputText()).toContain('shell=bash');
  });

  it('falls back to sh in a container without bash, keeping the first keystrokes', async () => {
    const client = openTerminal(stack.wsUrl, { pod: 'tiny-0' }, { token: stack.token() });
    // Typed before the upstream is even open: nothing may be lost.
    client.sendText('echo "shell=$(basename $(readlink /proc/$$/exe))"; exit\n');
    await client.closed;
    expect(client.outputText()).toMatch(/shell=(dash|sh|busybox)/);
    expect(client.outputText()).not.toContain('shell=bash');
  });

  it('ends the remote process within seconds when the browser closes the session', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['sh', '-c', 'echo started; sleep 1000'] }, { token: stack.token() });
    await client.waitForOutput('started');
    expect(stack.cluster.activeExecs()).toBeGreaterThan(0);
    client.ws.close(1000);
    await poll(() => stack.cluster.activeExecs() === 0, 5000, 'the exec to end');
  });
});

describe('failures after authentication arrive as an error message and 4000+status', () => {
  it('refuses a target the policy does not allow with 4403', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['true'] }, { token: stack.token({ groups: ['nobody'] }) });
    const closed = await client.closed;
    expect(closed.code).toBe(4403);
    expect(client.messages).toEqual([expect.objectContaining({ type: 'error', status: 403 })]);
  });

  it('answers an unknown cluster with 4404', async () => {
    const client = openTerminal(stack.wsUrl, { cluster: 'nowhere', command: ['true'] }, { token: stack.token() });
    expect((await client.closed).code).toBe(4404);
    expect(client.messages[0]).toMatchObject({ type: 'error', status: 404, message: expect.stringContaining('nowhere') });
  });

  it('answers an unknown pod with 4404 and the cluster’s message', async () => {
    const client = openTerminal(stack.wsUrl, { pod: 'no-such-pod', command: ['true'] }, { token: stack.token() });
    expect((await client.closed).code).toBe(4404);
    expect(client.messages[0]).toMatchObject({ type: 'error', status: 404, message: expect.stringContaining('no-such-pod') });
  });

  it('answers an invalid name with 4400 before any upstream call', async () => {
    const client = openTerminal(stack.wsUrl, { pod: 'a..b', command: ['true'] }, { token: stack.token() });
    expect((await client.closed).code).toBe(4400);
    expect(client.messages[0]).toMatchObject({ type: 'error', status: 400, code: 'invalid_name' });
  });

  it('ends the session with 4401 when the token expires mid-session', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['sleep', '30'] }, { token: stack.token({ expiresInSeconds: 2 }) });
    await client.opened;
    const closed = await client.closed;
    expect(closed.code).toBe(4401);
    expect(client.messages.at(-1)).toMatchObject({ type: 'error', status: 401, code: 'token_expired' });
    await poll(() => stack.cluster.activeExecs() === 0, 5000, 'the exec to end');
  });
});

describe('refusals before the upgrade', () => {
  it('refuses a missing token with 401 and a JSON error', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['true'] });
    const refused = await client.refused;
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('refuses a foreign Origin with 403', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['true'] }, { token: stack.token(), origin: 'https://evil.example' });
    const refused = await client.refused;
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'origin_refused' } });
  });

  it('allows the same origin', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['true'] }, { token: stack.token(), origin: stack.gatewayUrl });
    await client.closed;
    expect(client.messages.at(-1)).toEqual({ type: 'exit', code: 0 });
  });

  it('refuses an upgrade that does not offer webterm.v1', async () => {
    const client = openTerminal(
      stack.wsUrl,
      { command: ['true'] },
      { token: stack.token(), tokenInHeader: true, protocols: ['v5.channel.k8s.io'] },
    );
    expect((await client.refused).status).toBe(400);
  });
});
