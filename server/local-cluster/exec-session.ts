// One pod exec over a websocket: the initial frame, stdin, resize and CLOSE
// in, stdout and stderr out, the status on channel 3, then close 1000.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type WebSocket from 'ws';
import { createResizeReader, decodeFrame, encodeFrame, type ChannelProtocol } from './exec-protocol.js';
import { startProcess, type LocalProcess } from './processes.js';
import { execExitStatus, execInternalError, execSuccess, type Status } from './status.js';

export interface ExecRequest {
  command: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ExecTracking {
  started(): void;
  ended(): void;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

/** Finds `file` as execvp would, in the container's PATH. */
function resolveCommand(file: string, env: Record<string, string>): boolean {
  const candidates = file.includes('/') ? [file] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, file));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function runExecSession(socket: WebSocket, protocol: ChannelProtocol, request: ExecRequest, tracking: ExecTracking): void {
  const send = (channel: number, payload: Buffer | string) => {
    if (socket.readyState !== socket.OPEN) return;
    const frame = encodeFrame(protocol, channel, payload);
    socket.send(frame.data, { binary: frame.binary });
  };
  const finish = (status: Status) => {
    if (protocol.jsonStatus) send(STATUS, JSON.stringify(status));
    else if (status.status === 'Failure') send(STATUS, status.message ?? 'error');
    // kubectl reads anything but 1000 as a failure of the stream.
    if (socket.readyState === socket.OPEN) socket.close(1000);
  };

  // One empty frame on the lowest requested output channel: "the websocket is open".
  send(request.stdout ? STDOUT : request.stderr ? STDERR : STATUS, Buffer.alloc(0));

  if (!request.stdin && !request.stdout && !request.stderr) {
    finish(execInternalError('unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr'));
    return;
  }
  const file = request.command[0] ?? '';
  if (!resolveCommand(file, request.env)) {
    finish(execInternalError(`error executing command in container: failed to exec in container: starting container process caused: exec: "${file}": executable file not found in $PATH`));
    return;
  }

  let process: LocalProcess | undefined;
  let done = false;
  tracking.started();
  try {
    process = startProcess(
      { command: request.command, cwd: request.cwd, env: request.env, tty: request.tty, stdin: request.stdin },
      {
        stdout: (data) => request.stdout && send(STDOUT, data),
        stderr: (data) => request.stderr && send(STDERR, data),
        exit: (result) => {
          done = true;
          tracking.ended();
          if ('error' in result) finish(execInternalError(`error executing command in container: ${result.error}`));
          else finish(result.code === 0 ? execSuccess : execExitStatus(result.code));
        },
      },
    );
  } catch (error) {
    done = true;
    tracking.ended();
    finish(execInternalError(`error executing command in container: ${(error as Error).message}`));
    return;
  }

  const readResize = createResizeReader((cols, rows) => process?.resize(cols, rows));
  socket.on('message', (data: Buffer) => {
    const frame = decodeFrame(protocol, data);
    if (frame === undefined || process === undefined) return;
    switch (frame.channel) {
      case STDIN:
        if (request.stdin && frame.payload.length > 0) process.writeStdin(frame.payload);
        return;
      case RESIZE:
        if (request.tty) readResize(frame.payload);
        return;
      case CLOSE:
        if (!protocol.closeSignal) return;
        // Anything but [255, channel<5] ends the session, as on the real server.
        if (frame.payload.length !== 1 || frame.payload[0]! >= 5) {
          socket.terminate();
          return;
        }
        if (frame.payload[0] === STDIN) process.closeStdin();
        return;
      default:
        // Other channels are ignored.
        return;
    }
  });
  socket.on('close', () => {
    // Closing the websocket ends the exec: the whole process session goes.
    if (!done) process?.kill();
  });
  socket.on('error', () => socket.terminate());
}
