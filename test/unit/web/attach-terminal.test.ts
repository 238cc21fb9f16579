// attachTerminal: the page's data path between a terminal view and its
// connection, with both sides faked (no browser, no socket).
import { describe, expect, it } from 'vitest';
import type { ClientMessage } from '../../../shared/protocol.js';
import { attachTerminal, type AttachableConnection, type AttachableView } from '../../../web/src/attach-terminal.js';
import { Emitter } from '../../../web/src/lifecycle.js';

function fakeView(size = { cols: 80, rows: 24 }) {
  const data = new Emitter<string>();
  const resize = new Emitter<{ cols: number; rows: number }>();
  const backpressure = new Emitter<boolean>();
  const written: Uint8Array[] = [];
  let paused = false;
  const view: AttachableView = {
    write: (bytes) => void written.push(bytes),
    onData: data.event,
    onResize: resize.event,
    onBackpressure: backpressure.event,
    size: () => size,
    backpressured: () => paused,
  };
  return {
    view,
    written,
    type: (text: string) => data.fire(text),
    resize: (cols: number, rows: number) => resize.fire({ cols, rows }),
    pause: (on: boolean) => {
      paused = on;
      backpressure.fire(on);
    },
  };
}

function fakeConnection() {
  const output = new Emitter<Uint8Array>();
  const opened = new Emitter<void>();
  const sent: ClientMessage[] = [];
  const input: Array<string | Uint8Array> = [];
  const connection: AttachableConnection = {
    onOutput: output.event,
    onOpened: opened.event,
    send: (message) => void sent.push(message),
    sendInput: (data) => void input.push(data),
  };
  return { connection, sent, input, output: (bytes: Uint8Array) => output.fire(bytes), open: () => opened.fire() };
}

describe('attachTerminal', () => {
  it('writes output to the view and sends keystrokes to the connection', () => {
    const side = fakeView();
    const wire = fakeConnection();
    attachTerminal(side.view, wire.connection);
    wire.output(Uint8Array.of(0x24, 0x20));
    side.type('ls\r');
    expect(side.written).toEqual([Uint8Array.of(0x24, 0x20)]);
    expect(wire.input).toEqual(['ls\r']);
  });

  it('sends the size once the socket opens, and every resize after', () => {
    const side = fakeView({ cols: 120, rows: 40 });
    const wire = fakeConnection();
    attachTerminal(side.view, wire.connection);
    wire.open();
    side.resize(100, 30);
    expect(wire.sent).toEqual([
      { type: 'resize', cols: 120, rows: 40 },
      { type: 'resize', cols: 100, rows: 30 },
    ]);
  });

  it('asks the gateway to pause and resume with the view, and keeps a pause in force over a reconnect', () => {
    const side = fakeView();
    const wire = fakeConnection();
    attachTerminal(side.view, wire.connection);
    side.pause(true);
    wire.open();
    side.pause(false);
    expect(wire.sent).toEqual([{ type: 'pause' }, { type: 'resize', cols: 80, rows: 24 }, { type: 'pause' }, { type: 'resume' }]);
  });

  it('carries nothing either way once disposed', () => {
    const side = fakeView();
    const wire = fakeConnection();
    attachTerminal(side.view, wire.connection).dispose();
    wire.output(Uint8Array.of(1));
    wire.open();
    side.type('x');
    side.resize(10, 10);
    side.pause(true);
    expect(side.written).toEqual([]);
    expect(wire.input).toEqual([]);
    expect(wire.sent).toEqual([]);
  });
});
