// Raw clients of the local cluster for the tests: a websocket exec that keeps
// every frame as received, and plain HTTPS requests that keep status and body.
import { request } from 'node:https';
import WebSocket from 'ws';
import type { LocalCluster } from '@webterm/local-cluster';

export interface Frame {
  data: Buffer;
  binary: boolean;
}

export interface RawExec {
  ws: WebSocket;
  frames: Frame[];
  /** The close code the server sent. */
  closed: Promise<number>;
  /** The negotiated subprotocol. */
  opened: Promise<string>;
  /** The HTTP answer when the upgrade was refused. */
  refused: Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
  /** Payloads of one binary channel, joined. */
  output(channel: number): string;
  /** The JSON status document on channel 3. */
  status(): Record<string, unknown>;
}

export interface RawExecOptions {
  pod?: string;
  namespace?: string;
  headers?: Record<string, string>;
}

/** `query` is the raw query string: `command=…&stdout=true`, as a client would build it. */
export function rawExec(cluster: LocalCluster, query: string, protocols: string[], options: RawExecOptions = {}): RawExec {
  const { pod = 'shell-0', namespace = 'default' } = options;
  const ws = new WebSocket(`${cluster.url.replace('https', 'wss')}/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`, protocols, {
    headers: options.headers ?? { Authorization: `Bearer ${cluster.token}` },
    ca: cluster.caPem,
    perMessageDeflate: false,
  });
  const frames: Frame[] = [];
  ws.on('message', (data: Buffer, binary) => frames.push({ data: Buffer.from(data), binary }));
  ws.on('error', () => undefined);
  return {
    ws,
    frames,
    closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))),
    opened: new Promise((resolve) => ws.on('open', () => resolve(ws.protocol))),
    refused: new Promise((resolve) =>
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      }),
    ),
    output: (channel) =>
      frames
        .filter((f) => f.data[0] === channel)
        .map((f) => f.data.subarray(1).toString())
        .join(''),
    status: () => {
      const last = frames.filter((f) => f.data[0] === 3).at(-1);
      if (last === undefined) throw new Error('no status frame');
      return JSON.parse(last.data.subarray(1).toString()) as Record<string, unknown>;
    },
  };
}

/** `command=a&command=b…` for argv. */
export function commandQuery(argv: readonly string[]): string {
  return argv.map((arg) => `command=${encodeURIComponent(arg)}`).join('&');
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpsGet(
  cluster: LocalCluster,
  path: string,
  headers: Record<string, string> = { Authorization: `Bearer ${cluster.token}` },
  method = 'GET',
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cluster.url), { method, headers, ca: cluster.caPem }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
