// Session limits: the per-user cap (global and per rule), the idle timeout with
// its warning, and the maximum duration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal, poll, type TerminalClient } from '../../helpers/terminal-client.js';

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocalCluster();
});

afterAll(async () => {
  await cluster.stop();
});

async function withStack(config: Record<string, unknown>, run: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack({ cluster, config });
  try {
    await run(stack);
  } finally {
    await stack.stop();
  }
}

const sleeper = { command: ['sleep', '30'] };

describe('the per-user cap', () => {
  it('refuses the session beyond maxSessionsPerUser with 4429, counts per user, and frees a slot when one ends', async () => {
    await withStack({ sessions: { maxSessionsPerUser: 3 } }, async (stack) => {
      const token = stack.token({ sub: 'carol' });
      const held: TerminalClient[] = [];
      for (let i = 0; i < 3; i += 1) {
        const client = openTerminal(stack.wsUrl, sleeper, { token });
        await client.waitForMessage('session');
        held.push(client);
      }
      const fourth = openTerminal(stack.wsUrl, sleeper, { token });
      expect((await fourth.closed).code).toBe(4429);
      expect(fourth.messages[0]).toMatchObject({
        type: 'error',
        status: 429,
        code: 'too_many_sessions',
        message: expect.stringContaining('carol'),
      });

      // Another user is not affected by carol's sessions.
      const dave = openTerminal(stack.wsUrl, sleeper, { token: stack.token({ sub: 'dave' }) });
      await dave.waitForMessage('session');
      dave.ws.close(1000);

      held[0]!.ws.close(1000);
      await held[0]!.closed;
      // The slot frees when the gateway sees the close, a moment after the client does.
      let again = openTerminal(stack.wsUrl, sleeper, { token });
      for (
        let attempt = 0;
        (await Promise.race([again.closed, again.waitForMessage('session').then(() => undefined)])) !== undefined;
        attempt += 1
      ) {
        expect(attempt).toBeLessThan(20);
        await new Promise((resolve) => setTimeout(resolve, 50));
        again = openTerminal(stack.wsUrl, sleeper, { token });
      }
      for (const client of [...held.slice(1), again]) client.ws.close(1000);
      expect(stack.logs.some((line) => line.includes('"event":"refusal"') && line.includes('too_many_sessions'))).toBe(true);
    });
  });

  it('applies a rule’s own cap over the global one', async () => {
    await withStack(
      {
        sessions: { maxSessionsPerUser: 10 },
        policy: [
          { groups: ['tight'], clusters: ['*'], namespaces: ['*'], allow: ['exec'], limits: { maxSessionsPerUser: 1 } },
          { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['*'] },
        ],
      },
      async (stack) => {
        const token = stack.token({ sub: 'erin', groups: ['tight'] });
        const first = openTerminal(stack.wsUrl, sleeper, { token });
        await first.waitForMessage('session');
        const second = openTerminal(stack.wsUrl, sleeper, { token });
        expect((await second.closed).code).toBe(4429);
        first.ws.close(1000);
      },
    );
  });

  it('holds 1 000 connection attempts of one user to the cap, and the gateway still serves', async () => {
    await withStack({ sessions: { maxSessionsPerUser: 5 } }, async (stack) => {
      const token = stack.token({ sub: 'mallory' });
      const clients = Array.from({ length: 1000 }, () => openTerminal(stack.wsUrl, sleeper, { token }));
      const codes = await Promise.all(
        clients.map(async (c) => (await Promise.race([c.closed, c.waitForMessage('session', 30_000).then(() => ({ code: 0 }))])).code),
      );
      expect(codes.filter((code) => code === 0)).toHaveLength(5);
      expect(codes.filter((code) => code === 4429)).toHaveLength(995);
      expect(cluster.activeExecs()).toBeLessThanOrEqual(5);
      for (const client of clients) client.ws.close(1000);
      const other = openTerminal(stack.wsUrl, { command: ['echo', 'still-serving'] }, { token: stack.token({ sub: 'trent' }) });
      await other.waitForOutput('still-serving');
    });
  }, 60_000);
});

describe('idle timeout and maximum duration', () => {
  it('warns, then ends a session without input with 4408 idle_timeout; typing keeps it open', async () => {
    await withStack({ sessions: { idleTimeoutSeconds: 2, idleWarningSeconds: 1 } }, async (stack) => {
      const busy = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
      const idle = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
      await Promise.all([busy.waitForMessage('session'), idle.waitForMessage('session')]);
      const started = Date.now();
      const typing = setInterval(() => busy.sendText('x'), 400);
      try {
        const closed = await idle.closed;
        const elapsed = Date.now() - started;
        expect(closed.code).toBe(4408);
        expect(elapsed).toBeGreaterThan(1500);
        expect(elapsed).toBeLessThan(4000);
        expect(idle.messages).toEqual([
          expect.objectContaining({ type: 'session' }),
          expect.objectContaining({ type: 'notice', code: 'idle_warning', message: expect.stringContaining('unless you type') }),
          expect.objectContaining({ type: 'error', status: 408, code: 'idle_timeout' }),
        ]);
        // The typing one outlives the idle one by well over a timeout.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(busy.ws.readyState).toBe(busy.ws.OPEN);
      } finally {
        clearInterval(typing);
      }
      busy.ws.close(1000);
      await poll(
        () => stack.logs.some((l) => l.includes('"event":"session.end"') && l.includes('"code":"idle_timeout"')),
        2000,
        'the audit line',
      );
    });
  });

  it('ends a session at its maximum duration with 4408 session_time_limit, typing or not', async () => {
    await withStack({ sessions: { maxDurationSeconds: 2, idleWarningSeconds: 1 } }, async (stack) => {
      const client = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
      await client.waitForMessage('session');
      const typing = setInterval(() => client.sendText('x'), 200);
      const closed = await client.closed;
      clearInterval(typing);
      expect(closed.code).toBe(4408);
      expect(client.messages.map((m) => ('code' in m ? m.code : m.type))).toEqual(['session', 'time_limit_warning', 'session_time_limit']);
      await poll(() => cluster.activeExecs() === 0, 5000, 'the exec to end');
    });
  });
});
