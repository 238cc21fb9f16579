// Raw clients of any API server, the local cluster or a real one: HTTPS
// requests that keep status and body, and a websocket exec that keeps every
// frame, the negotiated protocol and the close code.
import { request } from 'node:https';
import WebSocket from 'ws';

export interface Endpoint {
  url: string;
  caPem: string;
  token: string;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export function httpsRequest(
  endpoint: Endpoint,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${endpoint.url}${path}`,
      {
        method: options.method ?? 'GET',
        ca: endpoint.caPem,
        headers: { Authorization: `Bearer ${endpoint.token}`, Accept: 'application/json', ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface Frame {
  data: Buffer;
  binary: boolean;
}

export interface ExecOutcome {
  /** HTTP status and body when the upgrade was refused. */
  refused?: { status: number; body: string };
  protocol?: string;
  frames: Frame[];
  closeCode?: number;
}

export interface ExecRun {
  /** Frames to send once open, in order (binary unless `text`). */
  send?: Array<Buffer | { text: string }>;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One exec over a websocket: `query` is the raw query string (command=…&stdout=1). */
export function rawExec(endpoint: Endpoint, path: string, query: string, protocols: string[], run: ExecRun = {}): Promise<ExecOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${endpoint.url.replace(/^https/, 'wss')}${path}?${query}`, protocols, {
      headers: run.headers ?? { Authorization: `Bearer ${endpoint.token}` },
      ca: endpoint.caPem,
      perMessageDeflate: false,
    });
    const outcome: ExecOutcome = { frames: [] };
    const timer = setTimeout(() => ws.terminate(), run.timeoutMs ?? 15_000);
    ws.on('message', (data: Buffer, binary) => outcome.frames.push({ data: Buffer.from(data), binary }));
    ws.on('error', () => undefined);
    ws.on('open', () => {
      outcome.protocol = ws.protocol;
      for (const frame of run.send ?? []) {
        if (Buffer.isBuffer(frame)) ws.send(frame, { binary: true });
        else ws.send(frame.text, { binary: false });
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        outcome.refused = { status: res.statusCode ?? 0, body };
        resolve(outcome);
      });
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      outcome.closeCode = code;
      resolve(outcome);
    });
  });
}

/** `command=a&command=b…` for argv. */
export function commandQuery(argv: readonly string[]): string {
  return argv.map((arg) => `command=${encodeURIComponent(arg)}`).join('&');
}

/** Output per channel, joined, decoding the base64 protocols' text frames. */
export function channels(outcome: ExecOutcome): Record<string, string> {
  const base64 = outcome.protocol?.includes('base64') ?? false;
  const out: Record<string, string> = {};
  for (const frame of outcome.frames) {
    let channel: number;
    let payload: Buffer;
    if (base64) {
      const text = frame.data.toString();
      channel = Number(text[0]);
      payload = Buffer.from(text.slice(1), 'base64');
    } else {
      channel = frame.data[0]!;
      payload = frame.data.subarray(1);
    }
    // Empty frames (each channel's opening frame in the v1–v4 protocols) are listed apart.
    const key = payload.length === 0 ? `empty:${channel}` : String(channel);
    out[key] = (out[key] ?? '') + (payload.length === 0 ? '+' : payload.toString());
  }
  return out;
}
