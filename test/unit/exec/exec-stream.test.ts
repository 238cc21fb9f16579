// The ExecStream speaks the channel protocol the API server chose; the relay
// above it sees stdin, resize, stdin EOF, output, status and close.
import { describe, expect, it } from 'vitest';
import { ExecStream } from '../../../server/exec/exec-stream.js';
import type { ExecStatus } from '../../../server/exec/channels.js';
import { FakeSocket } from './fake-socket.js';

const frame = (channel: number, text: string) => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);

function streamOn(protocol: string) {
  const socket = new FakeSocket(protocol);
  const stream = new ExecStream(socket);
  const heard = { output: [] as string[], status: [] as ExecStatus[], close: [] as number[] };
  stream.listen({
    output: (data) => heard.output.push(data.toString()),
    status: (s) => heard.status.push(s),
    close: (code) => heard.close.push(code),
  });
  return { socket, stream, heard };
}

describe('ExecStream over v5.channel.k8s.io', () => {
  it('writes stdin on channel 0 and resizes on channel 4', () => {
    const { socket, stream } = streamOn('v5.channel.k8s.io');
    stream.writeStdin(Buffer.from('ls\n'));
    stream.resize(120, 40);
    expect(socket.binaries().map((b) => [b[0], b.subarray(1).toString()])).toEqual([
      [0, 'ls\n'],
      [4, '{"Width":120,"Height":40}'],
    ]);
  });

  it('closes stdin alone with exactly [255, 0]', () => {
    const { socket, stream } = streamOn('v5.channel.k8s.io');
    expect(stream.closeStdin()).toBe(true);
    expect([...socket.binaries()[0]!]).toEqual([255, 0]);
  });

  it('hears stdout and stderr in order, then the exit status, then the close', () => {
    const { socket, stream, heard } = streamOn('v5.channel.k8s.io');
    socket.receive(frame(1, 'out'));
    socket.receive(frame(2, 'err'));
    socket.receive(
      frame(
        3,
        JSON.stringify({
          metadata: {},
          status: 'Failure',
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: '3' }] },
        }),
      ),
    );
    socket.peerClose(1000);
    expect(heard).toEqual({ output: ['out', 'err'], status: [{ kind: 'exit', code: 3 }], close: [1000] });
    expect(stream.canCloseStdin).toBe(true);
  });

  it('ignores text frames, empty frames and channels it does not know', () => {
    const { socket, heard } = streamOn('v5.channel.k8s.io');
    socket.receive('1aGk=', false);
    socket.receive(Buffer.from([1]));
    socket.receive(frame(7, 'x'));
    expect(heard.output).toEqual([]);
  });

  it('ends the exec with close 1000, reading again if paused so the close completes', () => {
    const { socket, stream } = streamOn('v5.channel.k8s.io');
    stream.pause();
    stream.close();
    expect(socket.isPaused).toBe(false);
    expect(socket.closedWith).toBe(1000);
  });
});

describe('ExecStream over v4.channel.k8s.io', () => {
  it('cannot close stdin alone, and sends nothing for it', () => {
    const { socket, stream } = streamOn('v4.channel.k8s.io');
    expect(stream.closeStdin()).toBe(false);
    expect(socket.sent).toEqual([]);
  });
});

describe('ExecStream over the base64 protocols', () => {
  it('writes text frames: the channel as a digit, then base64', () => {
    const { socket, stream } = streamOn('v4.base64.channel.k8s.io');
    stream.writeStdin(Buffer.from('hi'));
    stream.resize(80, 24);
    expect(socket.sent.map((m) => m.data)).toEqual(['0aGk=', `4${Buffer.from('{"Width":80,"Height":24}').toString('base64')}`]);
  });

  it('reads text frames back into output', () => {
    const { socket, heard } = streamOn('base64.channel.k8s.io');
    socket.receive(`1${Buffer.from('hello').toString('base64')}`, false);
    expect(heard.output).toEqual(['hello']);
  });

  it('reads a plain-text failure on channel 3 of the v1 protocols', () => {
    const { socket, heard } = streamOn('base64.channel.k8s.io');
    socket.receive(`3${Buffer.from('container not found').toString('base64')}`, false);
    expect(heard.status).toEqual([{ kind: 'failure', status: 502, reason: 'InternalError', message: 'container not found' }]);
  });
});

describe('ExecStream with batched output', () => {
  it('joins the frames of one turn of the event loop, and delivers them before the status and the close', async () => {
    const socket = new FakeSocket('v5.channel.k8s.io');
    const stream = new ExecStream(socket, { batchOutput: true });
    const heard: string[] = [];
    stream.listen({
      output: (data) => heard.push(`out:${data.toString()}`),
      status: (s) => heard.push(`status:${s.kind}`),
      close: (code) => heard.push(`close:${code}`),
    });
    socket.receive(frame(1, 'a'));
    socket.receive(frame(2, 'b'));
    expect(heard).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(['out:ab']);
    socket.receive(frame(1, 'c'));
    socket.receive(frame(3, '{"status":"Success"}'));
    socket.peerClose(1000);
    expect(heard).toEqual(['out:ab', 'out:c', 'status:exit', 'close:1000']);
  });
});
