// One pod attach over a websocket: the exec channel protocols, joined to the
// container's main process instead of a new command. Output goes to every
// attached client; stdin from each goes in (dropped when the container was
// started without stdin); leaving, or the v5 CLOSE of stdin, detaches that
// client and leaves the process running. When the process ends, each
// attached client gets Success on channel 3, as the kubelet answers.
import type WebSocket from 'ws';
import { Channel, encodeFrame, openedChannel, readClientFrames, statusPayload, type ChannelProtocol } from './exec-protocol.js';
import type { MainProcess } from './main-process.js';
import { execInternalError, execSuccess, type Status } from './status.js';

export interface AttachRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export function runAttachSession(
  socket: WebSocket,
  protocol: ChannelProtocol,
  request: AttachRequest,
  main: MainProcess,
  container: string,
): void {
  const send = (channel: number, payload: Buffer | string) => {
    if (socket.readyState !== socket.OPEN) return;
    const frame = encodeFrame(protocol, channel, payload);
    socket.send(frame.data, { binary: frame.binary });
  };
  let detach: (() => void) | undefined;
  const finish = (status: Status) => {
    detach?.();
    const payload = statusPayload(protocol, status);
    if (payload !== undefined) send(Channel.Status, payload);
    if (socket.readyState === socket.OPEN) socket.close(1000);
  };

  send(openedChannel(request), Buffer.alloc(0));
  if (!request.stdin && !request.stdout && !request.stderr) {
    finish(execInternalError('unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr'));
    return;
  }
  detach = main.attach({
    output: (stream, data) => {
      if (stream === 'stdout' && request.stdout) send(Channel.Stdout, data);
      else if (stream === 'stderr' && request.stderr) send(Channel.Stderr, data);
    },
    ended: () => finish(execSuccess),
  });
  if (detach === undefined) {
    // Only the v5 translator gets this far: the kubelet found no running container.
    finish(execInternalError(`unable to upgrade connection: container not found (${JSON.stringify(container)})`));
    return;
  }
  readClientFrames(socket, protocol, request, {
    stdin: (payload) => main.writeStdin(payload),
    resize: (cols, rows) => main.resize(cols, rows),
    // The end of this client's stdin ends its attach; the process runs on.
    closeStdin: () => finish(execSuccess),
  });
  socket.on('close', () => detach?.());
  socket.on('error', () => socket.terminate());
}
