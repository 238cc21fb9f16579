// Drain: /readyz turns 503, new sessions are refused, open ones are told and
// get the grace period, then the gateway closes, and the process's exit code
// says how it went; it leaves no process behind.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { startGatewayProcess, type GatewayProcess } from '../../helpers/gateway-process.js';
import { captureTree, describeProcesses, survivors } from '../../helpers/process-tree.js';
import { signToken, startStack } from '../../helpers/stack.js';
import { openTerminal } from '../../helpers/terminal-client.js';

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocalCluster();
});

afterAll(async () => {
  await cluster.stop();
});

const secret = 'drain-test-secret-0123456789abcdef';

/** The gateway in production mode, in a process of its own, in front of the test's cluster. */
function startProductionGateway(): Promise<GatewayProcess> {
  return startGatewayProcess((dir) => ({
    auth: { jwt: { secret, algorithms: ['HS256'] } },
    clusters: [{ name: 'local', server: cluster.url, token: cluster.token, caData: cluster.caPem }],
    policy: [{ users: ['*'], clusters: ['*'], namespaces: ['*'], allow: ['exec'] }],
    shutdown: { graceSeconds: 2 },
    audit: { file: join(dir, 'audit.log') },
  }));
}

describe('drain', () => {
  it('refuses new sessions, tells open ones, lets them finish within the grace period, ends the rest', async () => {
    const stack = await startStack({ cluster });
    const token = stack.token();
    const finishing = openTerminal(stack.wsUrl, { command: ['sh', '-c', 'sleep 0.5; echo finished'], tty: false }, { token });
    const lingering = openTerminal(stack.wsUrl, { command: ['sleep', '100'], tty: false }, { token });
    await Promise.all([finishing.waitForMessage('session'), lingering.waitForMessage('session')]);

    const started = Date.now();
    const drained = stack.gateway.drain(2);
    expect((await fetch(`${stack.gatewayUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${stack.gatewayUrl}/healthz`)).status).toBe(200);
    const late = openTerminal(stack.wsUrl, { command: ['true'] }, { token });
    const refused = await late.refused;
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'draining' } });

    expect(await finishing.waitForMessage('exit')).toEqual({ type: 'exit', code: 0 });
    expect(finishing.outputText()).toBe('finished\n');
    expect(lingering.messages).toContainEqual(
      expect.objectContaining({ type: 'notice', code: 'draining', message: expect.stringContaining('2 s') }),
    );
    expect((await lingering.closed).code).toBe(4503);
    await drained;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(1800);
    expect(elapsed).toBeLessThan(4000);
  });

  it('returns as soon as the last session ends, without waiting out the grace period', async () => {
    const stack = await startStack({ cluster });
    const client = openTerminal(stack.wsUrl, { command: ['sh', '-c', 'sleep 0.3'], tty: false }, { token: stack.token() });
    await client.waitForMessage('session');
    const started = Date.now();
    await stack.gateway.drain(30);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await client.waitForMessage('exit')).toEqual({ type: 'exit', code: 0 });
  });

  it('drains on SIGTERM and the process exits 3 when the grace period had to end sessions', async () => {
    const gateway = await startProductionGateway();
    const { url, child, exited } = gateway;
    try {
      const client = openTerminal(url.replace(/^http/, 'ws'), { command: ['sleep', '100'], tty: false }, { token: signToken(secret) });
      await client.waitForMessage('session');
      const started = Date.now();
      child.kill('SIGTERM');
      await expect.poll(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status, { timeout: 2000 }).toBe(503);
      expect((await client.closed).code).toBe(4503);
      expect(await exited).toBe(3);
      expect(Date.now() - started).toBeGreaterThan(1500);
      expect(client.messages).toContainEqual(expect.objectContaining({ type: 'notice', code: 'draining' }));
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it('exits 0 when every session ended within the grace period, and leaves no process behind', async () => {
    const gateway = await startProductionGateway();
    try {
      const client = openTerminal(
        gateway.url.replace(/^http/, 'ws'),
        { command: ['sh', '-c', 'read line; echo bye'], tty: false },
        { token: signToken(secret) },
      );
      await client.waitForMessage('session');
      const tree = captureTree(gateway.child.pid!);
      gateway.child.kill('SIGTERM');
      await client.waitForMessage('notice');
      client.sendText('done\n');
      expect(await client.waitForMessage('exit')).toEqual({ type: 'exit', code: 0 });
      expect(await gateway.exited).toBe(0);
      expect(describeProcesses(survivors(tree))).toEqual([]);
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it('exits 130 when a second signal (SIGINT) cuts the drain short', async () => {
    const gateway = await startProductionGateway();
    try {
      const client = openTerminal(
        gateway.url.replace(/^http/, 'ws'),
        { command: ['sleep', '100'], tty: false },
        { token: signToken(secret) },
      );
      await client.waitForMessage('session');
      gateway.child.kill('SIGTERM');
      await client.waitForMessage('notice');
      gateway.child.kill('SIGINT');
      expect(await gateway.exited).toBe(130);
      expect((await client.closed).code).toBe(4503);
    } finally {
      await gateway.stop();
    }
  }, 60_000);
});
