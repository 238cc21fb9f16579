// A shell through the gateway and a real kube-apiserver: the API server's exec
// proxy, its websocket-to-SPDY translation and the kubelet streaming code
// carry the session; RBAC on the gateway's credential decides.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal, poll } from '../helpers/terminal-client.js';
import { skipReason, startControlPlane, type ControlPlane } from './helpers/control-plane.js';
import { startRealGateway, type RealGateway } from './helpers/gateway.js';

const skip = skipReason();
if (skip !== undefined) console.warn(`real-cluster tests skipped: ${skip}`);

describe.skipIf(skip !== undefined)('a shell through the gateway and a real API server', () => {
  let plane: ControlPlane;
  let gateway: RealGateway;
  const ns = 'webterm-a';

  beforeAll(async () => {
    plane = await startControlPlane();
    await plane.createPod(ns, 'shell-0', { containers: [{ name: 'shell' }] });
    gateway = await startRealGateway(plane);
  }, 30 * 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await plane?.stop();
  });

  const target = (command?: string[], cluster = 'real') => ({
    cluster,
    namespace: ns,
    pod: 'shell-0',
    ...(command === undefined ? {} : { command }),
  });

  // Behind the API server a resize travels on a stream of its own to the
  // kubelet (SPDY), not ordered with stdin: a command typed right after it
  // may still see the old size. So the shell waits (up to 5 s) for the size.
  const sizeIs = (size: string) =>
    `i=0; while [ "$(stty size)" != "${size}" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; stty size`;

  it('opens an interactive bash that follows resizes and ends with its exit code', async () => {
    const term = openTerminal(gateway.wsUrl, target(), { token: gateway.token() });
    await term.opened;
    term.control({ type: 'resize', cols: 101, rows: 31 });
    term.sendText(`echo "shell=$0 $((6*7))"; ${sizeIs('31 101')}\n`);
    // stty's own line, not the echo of the command (which names the size too).
    const sizeShown = (size: string) =>
      poll(
        () => new RegExp(`[\r\n]${size}\r\n`).test(term.outputText()),
        15_000,
        () => `stty to print ${size} (got ${JSON.stringify(term.outputText().slice(-300))})`,
      );
    await sizeShown('31 101');
    expect(term.outputText()).toMatch(/shell=-?(\/usr\/bin\/|\/bin\/)?bash 42/);
    // The next prompt: bash reads the next line again.
    await poll(() => /31 101\r\n[^]*[#$] $/.test(term.outputText()), 15_000, 'the prompt after stty size');
    term.control({ type: 'resize', cols: 120, rows: 40 });
    term.sendText(`${sizeIs('40 120')}\n`);
    await sizeShown('40 120');
    term.sendText('exit 7\n');
    const closed = await term.closed;
    expect(term.messages).toContainEqual({ type: 'exit', code: 7 });
    expect(closed.code).toBe(1000);
  });

  it.each([0, 1, 3, 42, 255])('reports exit code %i', async (code) => {
    const term = openTerminal(gateway.wsUrl, target(['sh', '-c', `echo out; echo err >&2; exit ${code}`]), { token: gateway.token() });
    const closed = await term.closed;
    expect(term.messages.filter((m) => m.type === 'exit')).toEqual([{ type: 'exit', code }]);
    expect(term.outputText()).toContain('out\n');
    expect(term.outputText()).toContain('err\n');
    expect(closed.code).toBe(1000);
  });

  it('carries 1 MiB of stdin byte-exact, and its end', async () => {
    const input = randomBytes(1024 * 1024);
    const term = openTerminal(gateway.wsUrl, target(['sha256sum']), { token: gateway.token() });
    await term.opened;
    for (let offset = 0; offset < input.length; offset += 64 * 1024) term.sendBytes(input.subarray(offset, offset + 64 * 1024));
    term.control({ type: 'eof' });
    await term.closed;
    expect(term.outputText()).toBe(`${createHash('sha256').update(input).digest('hex')}  -\n`);
    expect(term.messages).toContainEqual({ type: 'exit', code: 0 });
  }, 60_000);

  it('works the same with the gateway holding a client certificate', async () => {
    const term = openTerminal(gateway.wsUrl, target(['id', '-un'], 'real-cert'), { token: gateway.token() });
    await term.closed;
    expect(term.messages).toContainEqual({ type: 'exit', code: 0 });
  });

  it('answers a command missing from the container as the API server does, not as an exit', async () => {
    const term = openTerminal(gateway.wsUrl, target(['no-such-command-here']), { token: gateway.token() });
    const closed = await term.closed;
    const error = term.messages.find((m) => m.type === 'error');
    expect(error, JSON.stringify(term.messages)).toBeDefined();
    expect(JSON.stringify(error)).toContain('no-such-command-here');
    expect(closed.code).toBeGreaterThanOrEqual(4000);
  });
});
