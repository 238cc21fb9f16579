// One adapter in front of the Kubernetes channel protocol: the relay writes
// stdin, resizes and closes stdin, and hears output, the exit status and the
// close; channel bytes, base64 frames and the v5/v4 differences stay here.
import { channelProtocols, isChannelProtocol, type ChannelProtocolTraits } from '../../shared/channel-protocols.js';
import { CloseCode } from '../../shared/errors.js';
import { Channel, channelFrame, closeStdinSignal, parseExecStatus, resizeFrame, type ExecStatus } from './channels.js';
import { SOCKET_OPEN, type RelaySocket } from './socket.js';

export interface ExecStreamEvents {
  /** Stdout and stderr, in the order they came (stdout only when `stderr` is listened to). */
  output(data: Buffer): void;
  /** Stderr apart from stdout, for a reader that keeps them apart (file transfers). */
  stderr(data: Buffer): void;
  /** The process ended (or the exec failed): sent once, before the close. */
  status(status: ExecStatus): void;
  /** The connection to the API server closed. */
  close(code: number): void;
  error(error: Error): void;
}

const ASCII_ZERO = 0x30;
/** The most output `batchOutput` joins into one `output` call. */
const MAX_BATCH_BYTES = 256 * 1024;
/** The traits of v4 for a socket whose protocol the table does not know. */
const FALLBACK = channelProtocols['v4.channel.k8s.io'];

export class ExecStream {
  private readonly traits: ChannelProtocolTraits;
  private listeners: Partial<ExecStreamEvents> = {};
  private readonly batching: boolean;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private flushScheduled: NodeJS.Immediate | undefined;

  /**
   * With `batchOutput`, `output` comes once per turn of the event loop with
   * all that came in it (a PTY's frames are 4 KiB, and one socket read brings
   * many): the reader then sends, and a browser parses, a few large messages
   * instead of many small ones. Anything else the stream reports delivers the
   * output held first, so the order stays the API server's.
   */
  constructor(
    readonly socket: RelaySocket,
    options: { batchOutput?: boolean } = {},
  ) {
    this.batching = options.batchOutput === true;
    this.traits = isChannelProtocol(socket.protocol) ? channelProtocols[socket.protocol] : FALLBACK;
    socket.on('message', this.onMessage);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  /** Whether stdin can be closed alone (v5): elsewhere only closing the stream ends it. */
  get canCloseStdin(): boolean {
    return this.traits.closeSignal;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  get open(): boolean {
    return this.socket.readyState === SOCKET_OPEN;
  }

  /** Sets the listeners; one of each, as the relay is the only reader. */
  listen(listeners: Partial<ExecStreamEvents>): void {
    this.listeners = listeners;
  }

  /** Writes stdin; `written` is called once the frame has left (for a sender that waits on it). */
  writeStdin(data: Buffer, written?: (error?: Error) => void): void {
    if (data.length > 0) this.write(Channel.Stdin, data, written);
  }

  /** Bytes queued towards the API server and not yet written. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  resize(cols: number, rows: number): void {
    if (!this.open) return;
    const frame = resizeFrame(cols, rows);
    if (this.traits.base64) this.write(Channel.Resize, frame.subarray(1));
    else this.socket.send(frame);
  }

  /** Sends stdin EOF; false when the protocol cannot (v4 and older). */
  closeStdin(): boolean {
    if (!this.traits.closeSignal) return false;
    if (this.open) this.socket.send(closeStdinSignal());
    return true;
  }

  /** Stops reading from the API server (backpressure); `resume` reads again. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Ends the exec: closing the websocket is what ends the remote process. */
  close(): void {
    this.socket.off('message', this.onMessage);
    // A paused socket would never read the API server's answer to our close:
    // read again (what comes is dropped) so the close completes at once.
    if (this.socket.isPaused) this.socket.resume();
    if (this.open) this.socket.close(CloseCode.Normal);
    else this.socket.terminate();
  }

  private write(channel: number, payload: Buffer, written?: (error?: Error) => void): void {
    if (!this.open) return;
    if (this.traits.base64) this.socket.send(String.fromCharCode(ASCII_ZERO + channel) + payload.toString('base64'), {}, written);
    else this.socket.send(channelFrame(channel, payload), {}, written);
  }

  private readonly onMessage = (data: Buffer, isBinary: boolean): void => {
    const frame = isBinary ? data : this.traits.base64 ? decodeBase64Frame(data) : undefined;
    if (frame === undefined || frame.length < 2) return;
    const channel = frame[0];
    if (channel === Channel.Stderr && this.listeners.stderr !== undefined) {
      this.flushOutput();
      this.listeners.stderr(frame.subarray(1));
    } else if (channel === Channel.Stdout || channel === Channel.Stderr) this.emitOutput(frame.subarray(1));
    else if (channel === Channel.Status) {
      this.flushOutput();
      this.listeners.status?.(this.readStatus(frame.subarray(1)));
    }
  };

  private emitOutput(data: Buffer): void {
    if (!this.batching) {
      this.listeners.output?.(data);
      return;
    }
    this.held.push(data);
    this.heldBytes += data.length;
    if (this.heldBytes >= MAX_BATCH_BYTES) this.flushOutput();
    else this.flushScheduled ??= setImmediate(this.flushOutput);
  }

  private readonly flushOutput = (): void => {
    clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    if (this.heldBytes === 0) return;
    const data = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    this.listeners.output?.(data);
  };

  /** v4/v5 send a Status document; the older protocols send nothing on success and text on failure. */
  private readStatus(payload: Buffer): ExecStatus {
    if (this.traits.jsonStatus) return parseExecStatus(payload);
    return { kind: 'failure', status: 502, reason: 'InternalError', message: payload.toString('utf8').slice(0, 1000) };
  }

  private readonly onClose = (code: number): void => {
    this.flushOutput();
    this.listeners.close?.(code);
  };

  private readonly onError = (error: Error): void => {
    this.flushOutput();
    this.listeners.error?.(error);
  };
}

/** A base64 protocol's text frame (`'1' + base64`) as a binary one, or undefined if it is not one. */
function decodeBase64Frame(data: Buffer): Buffer | undefined {
  const channel = (data[0] ?? 0) - ASCII_ZERO;
  if (channel < 0 || channel > 9) return undefined;
  return channelFrame(channel, Buffer.from(data.subarray(1).toString('latin1'), 'base64'));
}
