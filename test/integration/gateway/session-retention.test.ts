// An open session does not keep its upgrade request: its headers carry the
// user's token, and it would cost every idle session memory for its whole
// life. (The upstream socket's side: test/unit/clusters/cluster-socket.test.ts.)
import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTerminal, poll } from '../../helpers/terminal-client.js';
import { startStack, type Stack } from '../../helpers/stack.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

it('lets the upgrade request go once the session is open', async () => {
  const upgrades: Array<WeakRef<IncomingMessage>> = [];
  const remember = (req: IncomingMessage) => upgrades.push(new WeakRef(req));
  for (const server of stack.gateway.servers) server.prependListener('upgrade', remember);

  const client = openTerminal(stack.wsUrl, { command: ['cat'] }, { token: stack.token() });
  await poll(() => client.messages.some((m) => m.type === 'session'), 10_000, 'the session to open');
  client.sendText('still here\n');
  await client.waitForOutput('still here');
  expect(upgrades).toHaveLength(1);

  // A WeakRef's target stays alive until the end of the job that read it, so each collection runs in a job of its own.
  const collect = () =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        gc();
        setTimeout(resolve, 0);
      }, 0),
    );
  await collect();
  expect(upgrades[0]!.deref(), 'the upgrade request is still reachable from the open session').toBeUndefined();

  client.ws.close();
  await client.closed;
  for (const server of stack.gateway.servers) server.off('upgrade', remember);
});
