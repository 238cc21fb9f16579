// The terminal relay without a network: webterm.v1 on one side, an
// ExecStream on the other, both over in-memory sockets.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecStream } from '../../../server/exec/exec-stream.js';
import { TerminalSession, type SessionSummary } from '../../../server/exec/terminal-session.js';
import { FakeSocket, noWatch } from './fake-socket.js';

const settings = {
  highWaterMarkBytes: 1024,
  maxQueuedBytes: 64,
  expiryWarningSeconds: 0,
  stalledClientTimeoutMs: 60_000,
  idleTimeoutMs: 0,
  warningMs: 0,
  maxDurationMs: 0,
  resumeGraceMs: 60_000,
  replayBufferBytes: 1024,
};
const principal = { sub: 'alice', groups: [], expiresAt: Date.now() + 3_600_000 };
const frame = (channel: number, text: string) => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
const open: TerminalSession[] = [];

function session(protocol = 'v5.channel.k8s.io', tty = true) {
  const browser = new FakeSocket('webterm.v1');
  const upstream = new FakeSocket(protocol);
  const ended: SessionSummary[] = [];
  const relay = new TerminalSession(
    'id-1',
    browser,
    principal,
    settings,
    { verifyToken: async () => principal, heartbeat: noWatch, onEnd: (s) => ended.push(s) },
    pino({ level: 'silent' }),
  );
  open.push(relay);
  return { browser, upstream, relay, ended, attach: () => relay.attach(new ExecStream(upstream), tty) };
}

afterEach(() => {
  for (const relay of open.splice(0)) relay.fail(new Error('test over'));
});

describe('TerminalSession', () => {
  it('sends keystrokes typed while dialling once the upstream is attached, in order', () => {
    const { browser, upstream, attach } = session();
    browser.receive(Buffer.from('ab'), true);
    browser.receive(Buffer.from('c'), true);
    attach();
    expect(upstream.binaries().map((b) => b.toString('latin1'))).toEqual(['\u0000ab', '\u0000c']);
  });

  it('ends the session when too much input comes before the upstream', () => {
    const { browser, ended } = session();
    browser.receive(Buffer.alloc(65), true);
    expect(browser.messages()).toEqual([expect.objectContaining({ type: 'error', code: 'payload_too_large', status: 413 })]);
    expect(browser.closedWith).toBe(4413);
    expect(ended[0]?.reason).toBe('error');
  });

  it('relays output as binary frames and the exit as a message, then closes 1000', () => {
    const { browser, upstream, attach, ended } = session();
    attach();
    upstream.receive(frame(1, 'hello'));
    upstream.receive(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
    expect(browser.binaries().map(String)).toEqual(['hello']);
    expect(browser.messages()).toEqual([{ type: 'exit', code: 0 }]);
    expect(browser.closedWith).toBe(1000);
    expect(ended[0]).toMatchObject({ reason: 'exit', bytesToBrowser: 5 });
  });

  it('reports an upstream lost before the exit as 4502, never as an exit', () => {
    const { browser, upstream, attach } = session();
    attach();
    upstream.peerClose(1006);
    expect(browser.messages()).toEqual([expect.objectContaining({ type: 'error', status: 502, code: 'upstream_unreachable' })]);
    expect(browser.closedWith).toBe(4502);
  });

  it('closes stdin on v5 and tells the page v4 cannot', () => {
    const v5 = session();
    v5.attach();
    v5.browser.receive('{"type":"eof"}', false);
    expect([...v5.upstream.binaries()[0]!]).toEqual([255, 0]);
    const v4 = session('v4.channel.k8s.io');
    v4.attach();
    v4.browser.receive('{"type":"eof"}', false);
    expect(v4.upstream.sent).toEqual([]);
    expect(v4.browser.messages()).toEqual([
      expect.objectContaining({ type: 'notice', code: 'bad_request', message: expect.stringContaining('v4.channel.k8s.io') }),
    ]);
  });

  it('resizes only with a TTY', () => {
    const tty = session();
    tty.attach();
    tty.browser.receive('{"type":"resize","cols":100,"rows":30}', false);
    expect(tty.upstream.binaries().map((b) => b[0])).toEqual([4]);
    const plain = session('v5.channel.k8s.io', false);
    plain.attach();
    plain.browser.receive('{"type":"resize","cols":100,"rows":30}', false);
    expect(plain.upstream.sent).toEqual([]);
  });

  it('pauses the upstream while the browser is behind and reads again once it drained', () => {
    const { browser, upstream, attach } = session();
    attach();
    browser.bufferedAmount = 2048;
    upstream.receive(frame(1, 'x'));
    expect(upstream.isPaused).toBe(true);
    browser.bufferedAmount = 0;
    upstream.receive(frame(1, 'y'));
    expect(upstream.isPaused).toBe(false);
  });

  it('keeps a dropped session, and gives a returning browser the output it missed', () => {
    const { browser, upstream, relay, attach, ended } = session();
    attach();
    upstream.receive(frame(1, 'before'));
    browser.peerClose(1006);
    upstream.receive(frame(1, ' while away'));
    expect(ended).toEqual([]);
    const again = new FakeSocket('webterm.v1');
    expect(
      relay.resume(again, principal, 6, {
        type: 'session',
        id: 'id-1',
        cluster: 'c',
        namespace: 'n',
        pod: 'p',
        container: '',
        tty: true,
        resumed: true,
      }),
    ).toEqual({ lostBytes: 0 });
    expect(again.binaries().map(String)).toEqual([' while away']);
  });

  it('tells a browser whose session is resumed elsewhere that it was taken over (4409)', () => {
    const { browser, relay, attach } = session();
    attach();
    relay.resume(new FakeSocket('webterm.v1'), principal, 0, {
      type: 'session',
      id: 'id-1',
      cluster: 'c',
      namespace: 'n',
      pod: 'p',
      container: '',
      tty: true,
      resumed: true,
    });
    expect(browser.messages()).toEqual([expect.objectContaining({ type: 'error', status: 409, code: 'session_taken_over' })]);
    expect(browser.closedWith).toBe(4409);
  });

  it('ends, closing the upstream with 1000, when the browser closes on purpose', () => {
    const { browser, upstream, attach, ended } = session();
    attach();
    browser.peerClose(1000);
    expect(upstream.closedWith).toBe(1000);
    expect(ended[0]?.reason).toBe('browser-closed');
  });
});
