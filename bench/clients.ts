// The two clients every figure compares: direct (v5.channel.k8s.io to the
// API server, or to a relay that passes it through: kubectl proxy, the floor
// relay) and through the gateway (webterm.v1). Both run one command and
// report bytes and time; both can echo single bytes for latency.
import WebSocket from 'ws';
export type Route = 'direct' | 'gateway';

/** The API server under test, wherever it runs. */
export interface ClusterEndpoint {
  url: string;
  token: string;
  caPem: string;
  activeExecs(): Promise<number>;
}

export interface Endpoints {
  cluster: ClusterEndpoint;
  gatewayUrl: string;
  token: string;
  /** The gateway's name for `cluster`; `local` unless told. */
  clusterName?: string;
}

function execQuery(command: string[], stdin: boolean): string {
  const query = new URLSearchParams();
  for (const arg of command) query.append('command', arg);
  query.set('stdout', 'true');
  if (stdin) query.set('stdin', 'true');
  return query.toString();
}

export function openExec(endpoints: Endpoints, route: Route, command: string[], stdin = false): WebSocket {
  if (route === 'direct') {
    const url = `${endpoints.cluster.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/shell-0/exec?${execQuery(command, stdin)}`;
    return new WebSocket(url, ['v5.channel.k8s.io'], {
      headers: { Authorization: `Bearer ${endpoints.cluster.token}` },
      ca: endpoints.cluster.caPem,
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
    });
  }
  const query = new URLSearchParams();
  for (const arg of command) query.append('command', arg);
  query.set('tty', 'false');
  const url = `${endpoints.gatewayUrl.replace('http', 'ws')}/api/clusters/${endpoints.clusterName ?? 'local'}/namespaces/default/pods/shell-0/exec?${query}`;
  return new WebSocket(url, ['webterm.v1', `bearer.${endpoints.token}`], { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
}

/** Output bytes of a message: channel 1 frames direct, binary frames through the gateway. */
export function outputBytes(route: Route, data: Buffer, isBinary: boolean): number {
  if (route === 'direct') return isBinary && data[0] === 1 ? data.length - 1 : 0;
  return isBinary ? data.length : 0;
}

/** Runs `command`, counting output bytes until the exec ends; resolves bytes and seconds. */
export function drain(
  endpoints: Endpoints,
  route: Route,
  command: string[],
  options: { readBytesPerSecond?: number } = {},
): Promise<{ bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const ws = openExec(endpoints, route, command);
    let bytes = 0;
    ws.on('message', (data: Buffer, isBinary) => {
      bytes += outputBytes(route, data, isBinary);
      if (options.readBytesPerSecond !== undefined) {
        // A slow reader: stop reading until this many bytes would have been consumed.
        const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
        const ahead = bytes / options.readBytesPerSecond - elapsed;
        if (ahead > 0) {
          ws.pause();
          setTimeout(() => ws.resume(), ahead * 1000);
        }
      }
    });
    ws.once('error', reject);
    ws.once('close', () => resolve({ bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

/** Round trips of one stdin byte echoed by `cat`; resolves each round trip in milliseconds. */
export function echoLatencies(endpoints: Endpoints, route: Route, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const ws = openExec(endpoints, route, ['cat'], true);
    const samples: number[] = [];
    let sentAt = 0n;
    const send = () => {
      sentAt = process.hrtime.bigint();
      ws.send(route === 'direct' ? Buffer.from([0, 0x61]) : Buffer.from([0x61]), { binary: true });
    };
    ws.on('message', (data: Buffer, isBinary) => {
      if (outputBytes(route, data, isBinary) === 0) {
        // Through the gateway the first message is the session announcement.
        if (route === 'gateway' && !isBinary && samples.length === 0 && sentAt === 0n) send();
        return;
      }
      samples.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
      if (samples.length >= count) {
        ws.close();
        resolve(samples);
      } else send();
    });
    ws.once('open', () => {
      if (route === 'direct') send();
    });
    ws.once('error', reject);
  });
}
