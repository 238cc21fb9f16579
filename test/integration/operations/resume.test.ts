// Resume: a browser that drops without closing comes back within the grace
// period to the same process and gets every byte it missed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProcesses } from '../../helpers/process-tree.js';
import { startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal, poll, type TerminalClient } from '../../helpers/terminal-client.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ config: { sessions: { resumeGraceSeconds: 4, replayBufferBytes: 1024 * 1024 } } });
});

afterAll(async () => {
  await stack.stop();
});

async function sessionId(client: TerminalClient): Promise<string> {
  const message = await client.waitForMessage('session');
  if (message.type !== 'session') throw new Error('no session message');
  return message.id;
}

describe('resume after a dropped connection', () => {
  it('keeps the same shell process (echo $$ unchanged) and replays what came while away', async () => {
    const token = stack.token();
    const first = openTerminal(stack.wsUrl, {}, { token });
    const id = await sessionId(first);
    first.sendText('echo pid-$$-end\n');
    // The terminal echoes the typed line too ("pid-$$-end"): wait for the expanded one.
    await poll(() => /pid-\d+-end\r\n/.test(first.outputText()), 10_000, 'the pid');
    const pid = /pid-(\d+)-end\r\n/.exec(first.outputText())?.[1];
    expect(pid).toMatch(/^\d+$/);
    // Output that comes while the browser is gone.
    first.sendText('sleep 0.5; echo while-away-$$\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const offset = first.output().length;
    first.ws.terminate();
    await new Promise((resolve) => setTimeout(resolve, 900));

    const second = openTerminal(stack.wsUrl, { resume: id, offset }, { token });
    expect(await second.waitForMessage('session')).toMatchObject({ type: 'session', id, resumed: true });
    await second.waitForOutput(`while-away-${pid}`);
    second.sendText('echo again-$$-end\n');
    await second.waitForOutput(`again-${pid}-end`);
    second.sendText('exit 7\n');
    expect(await second.waitForMessage('exit')).toEqual({ type: 'exit', code: 7 });
    await poll(() => stack.logs.some((l) => l.includes('"event":"session.resume"') && l.includes(id)), 2000, 'the resume audit line');
  });

  it('loses no output: every line of a stream cut in the middle arrives exactly once, in order', async () => {
    const token = stack.token();
    const lines = 400;
    const first = openTerminal(
      stack.wsUrl,
      { command: ['sh', '-c', `i=1; while [ $i -le ${lines} ]; do echo line-$i; i=$((i+1)); sleep 0.002; done`], tty: false },
      { token },
    );
    const id = await sessionId(first);
    await first.waitForOutput('line-50\n');
    const before = first.output();
    first.ws.terminate();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = openTerminal(stack.wsUrl, { resume: id, offset: before.length, tty: false }, { token });
    expect(await second.waitForMessage('exit', 15_000)).toEqual({ type: 'exit', code: 0 });
    const all = Buffer.concat([before, second.output()]).toString('utf8');
    expect(all).toBe(Array.from({ length: lines }, (_, i) => `line-${i + 1}\n`).join(''));
  });

  it('gives the exit status to a browser that comes back after the process ended', async () => {
    const token = stack.token();
    const first = openTerminal(stack.wsUrl, { command: ['sh', '-c', 'echo go; sleep 0.3; echo done-here; exit 4'], tty: false }, { token });
    const id = await sessionId(first);
    await first.waitForOutput('go\n');
    const offset = first.output().length;
    first.ws.terminate();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = openTerminal(stack.wsUrl, { resume: id, offset, tty: false }, { token });
    expect(await second.waitForMessage('exit')).toEqual({ type: 'exit', code: 4 });
    expect(second.outputText()).toBe('done-here\n');
    expect((await second.closed).code).toBe(1000);
  });

  it('lets the returning browser’s fresher token carry the session past the old one’s expiry', async () => {
    const first = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token({ expiresInSeconds: 2 }) });
    const id = await sessionId(first);
    first.ws.terminate();
    const second = openTerminal(stack.wsUrl, { resume: id, offset: 0, tty: false }, { token: stack.token({ expiresInSeconds: 300 }) });
    await second.waitForMessage('session');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    second.sendText('still-here\n');
    await second.waitForOutput('still-here\n');
    expect(second.messages.some((m) => m.type === 'error')).toBe(false);
    second.ws.close(1000);
  });

  it('tells the returning browser how many input bytes it got, the frames before the drop and none after', async () => {
    const token = stack.token();
    const first = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token });
    const id = await sessionId(first);
    first.sendText('one\n');
    first.sendText('two-two\n');
    await first.waitForOutput('two-two\n');
    first.ws.terminate();
    const second = openTerminal(stack.wsUrl, { resume: id, offset: 0, tty: false }, { token });
    expect(await second.waitForMessage('session')).toMatchObject({ type: 'session', id, resumed: true, inputReceived: 12 });
    second.sendText('three\n');
    await second.waitForOutput('three\n');
    const third = openTerminal(stack.wsUrl, { resume: id, offset: 0, tty: false }, { token });
    expect(await third.waitForMessage('session')).toMatchObject({ resumed: true, inputReceived: 18 });
    third.ws.close(1000);
  });

  it('takes a session over from a connection that is still attached, telling the old one', async () => {
    const token = stack.token();
    const first = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token });
    const id = await sessionId(first);
    const second = openTerminal(stack.wsUrl, { resume: id, offset: 0, tty: false }, { token });
    await second.waitForMessage('session');
    expect((await first.closed).code).toBe(4409);
    expect(first.messages.at(-1)).toMatchObject({ type: 'error', code: 'session_taken_over' });
    second.sendText('through-the-new-one\n');
    await second.waitForOutput('through-the-new-one\n');
    second.ws.close(1000);
  });

  it('refuses another user, another pod, an unknown id and a bad offset, without touching the session', async () => {
    const token = stack.token();
    const first = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token });
    const id = await sessionId(first);
    first.sendText('abc\n');
    await first.waitForOutput('abc\n');
    const attempts = [
      openTerminal(stack.wsUrl, { resume: id, tty: false }, { token: stack.token({ sub: 'mallory' }) }),
      openTerminal(stack.wsUrl, { pod: 'tiny-0', resume: id, tty: false }, { token }),
      openTerminal(stack.wsUrl, { resume: '00000000-0000-4000-8000-000000000000', tty: false }, { token }),
    ];
    for (const attempt of attempts) {
      expect((await attempt.closed).code).toBe(4404);
      expect(attempt.messages[0]).toMatchObject({ type: 'error', code: 'not_found', message: expect.stringContaining('no longer open') });
    }
    const beyond = openTerminal(stack.wsUrl, { resume: id, offset: 10_000, tty: false }, { token });
    expect((await beyond.closed).code).toBe(4400);
    const malformed = openTerminal(stack.wsUrl, { resume: '../../etc', tty: false }, { token });
    expect((await malformed.closed).code).toBe(4400);
    // The owner's session went on through all of it.
    first.sendText('still-mine\n');
    await first.waitForOutput('still-mine\n');
    first.ws.close(1000);
  });

  it('ends the process when the grace period passes, and a late browser is told the session is gone', async () => {
    const token = stack.token();
    // A duration no other test uses names this session's process in /proc; other tests' processes may still be ending.
    const first = openTerminal(stack.wsUrl, { command: ['sh', '-c', 'echo up; exec sleep 101.25'], tty: false }, { token });
    const id = await sessionId(first);
    await first.waitForOutput('up\n');
    const commandLine = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      } catch {
        return '';
      }
    };
    const alive = () => readProcesses().some((p) => p.comm === 'sleep' && commandLine(p.pid).includes('101.25'));
    expect(alive()).toBe(true);
    first.ws.terminate();
    // Once the gateway has seen the drop, the process lives on for the grace period (4 s here, a margin for a loaded machine).
    await poll(() => stack.logs.some((l) => l.includes('session kept for resume') && l.includes(id)), 2000, 'the gateway to see the drop');
    expect(alive()).toBe(true);
    await poll(() => !alive(), 10_000, 'the exec to end after the grace period');
    const late = openTerminal(stack.wsUrl, { resume: id, tty: false }, { token });
    expect((await late.closed).code).toBe(4404);
    await poll(
      () => stack.logs.some((l) => l.includes('"event":"session.end"') && l.includes(id) && l.includes('resume-expired')),
      2000,
      'the audit line',
    );
  });
});
