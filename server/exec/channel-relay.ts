// kubectl's exec relayed as it is: the channel protocol (v5, v4, base64)
// passed through both ways frame by frame, each side paused while the other
// is behind, stdin and output bytes counted, and the end reported once.
import { CloseCode } from '../../shared/errors.js';
import { Channel, payloadBytes } from './channels.js';
import { protocolViolationOf } from './protocol-violation.js';
import { SOCKET_OPEN, closeAndRelease, type RelaySocket, type SocketWatch } from './socket.js';

const HIGH_WATER_MARK = 1024 * 1024;
const STDIN = new Set<number>([Channel.Stdin]);
const OUTPUT = new Set<number>([Channel.Stdout, Channel.Stderr]);

export type RelayEndReason = 'ended' | 'upstream-lost' | 'client-closed' | 'protocol-violation' | 'draining';

export interface ChannelRelay {
  /** Stdin bytes from the client and output bytes from the cluster so far. */
  readonly bytes: { readonly in: number; readonly out: number };
  /** Ends the relay from the gateway's side (shutdown), closing the client with `closeCode`. */
  end(reason: RelayEndReason, closeCode: number): void;
}

export interface ChannelRelayOptions {
  /** Pings the upstream while the relay lives. */
  watch: SocketWatch;
  onEnd(reason: RelayEndReason): void;
  onError(side: 'client' | 'upstream', error: Error): void;
}

/** Relays messages one way, pausing the source while the destination is behind. */
function pipe(from: RelaySocket, to: RelaySocket): void {
  const resumeIfDrained = () => {
    if (from.isPaused && to.bufferedAmount < HIGH_WATER_MARK / 4) from.resume();
  };
  from.on('message', (data: Buffer, isBinary: boolean) => {
    if (to.readyState !== SOCKET_OPEN) return;
    to.send(data, { binary: isBinary }, resumeIfDrained);
    if (to.bufferedAmount > HIGH_WATER_MARK) from.pause();
  });
}

export function relayChannels(client: RelaySocket, upstream: RelaySocket, options: ChannelRelayOptions): ChannelRelay {
  const bytes = { in: 0, out: 0 };
  client.on('message', (data: Buffer, isBinary: boolean) => (bytes.in += payloadBytes(data, isBinary, STDIN)));
  upstream.on('message', (data: Buffer, isBinary: boolean) => (bytes.out += payloadBytes(data, isBinary, OUTPUT)));
  options.watch.track(upstream);
  pipe(client, upstream);
  pipe(upstream, client);
  let ended = false;
  const end = (reason: RelayEndReason, closeCode: number): void => {
    if (ended) return;
    ended = true;
    options.watch.untrack(upstream);
    // kubectl reports anything but 1000 as an error, so a clean end is 1000.
    if (client.readyState === SOCKET_OPEN) closeAndRelease(client, closeCode);
    if (upstream.readyState === SOCKET_OPEN) upstream.close(CloseCode.Normal);
    else upstream.terminate();
    options.onEnd(reason);
  };
  upstream.on('close', (code: number) =>
    code === CloseCode.Normal ? end('ended', CloseCode.Normal) : end('upstream-lost', CloseCode.InternalError),
  );
  client.on('close', () => end('client-closed', CloseCode.Normal));
  upstream.on('error', (error: Error) => options.onError('upstream', error));
  client.on('error', (error: Error) => {
    // ws has closed kubectl for a frame that breaks the protocol; the audit says so, not "client-closed".
    const violation = protocolViolationOf(error);
    if (violation === undefined) options.onError('client', error);
    else end('protocol-violation', violation.closeCode);
  });
  return { bytes, end };
}
