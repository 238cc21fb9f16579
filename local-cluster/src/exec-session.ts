// One pod exec over a websocket: the initial frame, stdin, resize and CLOSE
// in, stdout and stderr out, the status on channel 3, then close 1000.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type WebSocket from 'ws';
import { Channel, encodeFrame, openedChannel, readClientFrames, statusPayload, type ChannelProtocol } from './exec-protocol.js';
import { startProcess, type LocalProcess, type ProcessResult } from './processes.js';
import { execExitStatus, execInternalError, execRuntimeError, execSuccess, type Status } from './status.js';

export interface ExecRequest {
  command: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Told of each exec process, by the pid that leads its session. */
export interface ExecTracking {
  started(pid: number): void;
  ended(pid: number): void;
}

// Output is read from the process only while the client keeps up: above the
// high mark the process's pipe fills and it waits, as behind a slow kubelet.
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

/** Finds `file` as execvp would, in the container's PATH. */
function resolveCommand(file: string, env: Record<string, string>): boolean {
  if (file === '') return false;
  const candidates = file.includes('/')
    ? [file]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, file));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** containerd's words (through the kubelet) for a command that cannot start. */
function notStarted(file: string, reason: string): string {
  const execId = Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
  return `error executing command in container: failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${file}": ${reason}: unknown`;
}

export function runExecSession(socket: WebSocket, protocol: ChannelProtocol, request: ExecRequest, tracking: ExecTracking): void {
  let child: LocalProcess | undefined;
  let outputPaused = false;
  const resumeOutput = () => {
    if (outputPaused && socket.bufferedAmount < LOW_WATER) {
      outputPaused = false;
      child?.resume();
    }
  };
  const send = (channel: number, payload: Buffer | string) => {
    if (socket.readyState !== socket.OPEN) return;
    const frame = encodeFrame(protocol, channel, payload);
    socket.send(frame.data, { binary: frame.binary }, resumeOutput);
    if (!outputPaused && socket.bufferedAmount > HIGH_WATER) {
      outputPaused = true;
      child?.pause();
    }
  };
  const finish = (status: Status) => {
    const payload = statusPayload(protocol, status);
    if (payload !== undefined) send(Channel.Status, payload);
    // kubectl reads anything but 1000 as a failure of the stream.
    if (socket.readyState === socket.OPEN) socket.close(1000);
  };
  const closed = () => socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED;

  send(openedChannel(request), Buffer.alloc(0));

  if (!request.stdin && !request.stdout && !request.stderr) {
    // Only the v5 translator gets this far: the kubelet refused its upgrade.
    finish(execInternalError('unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr'));
    return;
  }
  const file = request.command[0] ?? '';
  if (!resolveCommand(file, request.env)) {
    finish(
      execRuntimeError(
        notStarted(file, file.includes('/') ? 'stat ' + file + ': no such file or directory' : 'executable file not found in $PATH'),
        protocol.translated,
      ),
    );
    return;
  }

  let pid: number | undefined;
  const exited = (result: ProcessResult) => {
    if (pid !== undefined) tracking.ended(pid);
    if (closed()) return;
    if ('error' in result) finish(execRuntimeError(notStarted(file, result.error), protocol.translated));
    else finish(result.code === 0 ? execSuccess : execExitStatus(result.code, request.command, protocol.translated));
  };
  try {
    child = startProcess(
      { command: request.command, cwd: request.cwd, env: request.env, tty: request.tty, stdin: request.stdin },
      {
        stdout: (data) => request.stdout && send(Channel.Stdout, data),
        stderr: (data) => request.stderr && send(Channel.Stderr, data),
        exit: exited,
      },
    );
  } catch (error) {
    exited({ error: (error as Error).message });
    return;
  }
  const running = child;
  pid = running.pid;
  tracking.started(pid);

  readClientFrames(socket, protocol, request, {
    // A full stdin pipe stops reading from the socket until it drains.
    stdin: (payload) => {
      if (!running.writeStdin(payload, () => socket.resume())) socket.pause();
    },
    resize: (cols, rows) => running.resize(cols, rows),
    closeStdin: () => {
      if (request.stdin) running.closeStdin();
    },
  });
  // Closing the websocket ends the exec: every process of its session goes,
  // including what a finished command left running in the background.
  socket.on('close', () => running.kill());
  socket.on('error', () => socket.terminate());
}

/** The v5 translator's answer when the kubelet finds the container not running: 101, then an InternalError. */
export function notRunning(socket: WebSocket, protocol: ChannelProtocol, container: string): void {
  socket.send(encodeFrame(protocol, Channel.Stdout, Buffer.alloc(0)).data);
  socket.send(
    encodeFrame(
      protocol,
      Channel.Status,
      JSON.stringify(execInternalError(`unable to upgrade connection: container not found (${JSON.stringify(container)})`)),
    ).data,
  );
  socket.close(1000);
}
