// A webterm.v1 client for tests: what a page does, with a real websocket.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { parseServerMessage, type ServerMessage } from '../../shared/protocol.js';
import { scanFrame, scanResponseBody } from './secret-scan.js';

export interface TerminalTarget {
  cluster?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  command?: string[];
  tty?: boolean;
  /** The endpoint: a command or shell (exec, the default), or the container's main process (attach). */
  endpoint?: 'exec' | 'attach';
  /** Come back to this session, having received `offset` output bytes. */
  resume?: string;
  offset?: number;
}

export interface OpenOptions {
  token?: string;
  /** Send the token in the Authorization header instead of the subprotocol. */
  tokenInHeader?: boolean;
  origin?: string;
  protocols?: string[];
  /** Keep the output for output()/outputText(); off for streams too large to hold. */
  keepOutput?: boolean;
}

export interface TerminalClient {
  ws: WebSocket;
  messages: ServerMessage[];
  /** All output bytes so far. */
  output(): Buffer;
  outputText(): string;
  /** Resolves when the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the HTTP status when the upgrade was refused. */
  refused: Promise<{ status: number; body: string }>;
  opened: Promise<void>;
  sendText(text: string): void;
  sendBytes(bytes: Buffer): void;
  control(message: Record<string, unknown>): void;
  /** Polls until the output contains `text` (or the deadline passes). */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  waitForMessage(type: ServerMessage['type'], timeoutMs?: number): Promise<ServerMessage>;
}

export function terminalUrl(wsUrl: string, target: TerminalTarget = {}): string {
  const { cluster = 'local', namespace = 'default', pod = 'shell-0' } = target;
  const query = new URLSearchParams();
  if (target.container !== undefined) query.set('container', target.container);
  for (const arg of target.command ?? []) query.append('command', arg);
  if (target.tty !== undefined) query.set('tty', String(target.tty));
  if (target.resume !== undefined) query.set('resume', target.resume);
  if (target.offset !== undefined) query.set('offset', String(target.offset));
  return `${wsUrl}/api/clusters/${encodeURIComponent(cluster)}/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/${target.endpoint ?? 'exec'}?${query}`;
}

/** The TCP socket under a ws WebSocket (ws keeps it private): to stop reading, or to write bytes ws would not. */
export function socketOf(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

/** Waits for `check`; `what` names it in the error, a function when it should tell what was there at the end. */
export async function poll(check: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function openTerminal(wsUrl: string, target: TerminalTarget = {}, options: OpenOptions = {}): TerminalClient {
  const protocols = options.protocols ?? [
    'webterm.v1',
    ...(options.token !== undefined && !options.tokenInHeader ? [`bearer.${options.token}`] : []),
  ];
  const headers: Record<string, string> = {};
  if (options.token !== undefined && options.tokenInHeader) headers.Authorization = `Bearer ${options.token}`;
  const ws = new WebSocket(terminalUrl(wsUrl, target), protocols, {
    headers,
    origin: options.origin,
    perMessageDeflate: false,
    rejectUnauthorized: false,
  });
  const chunks: Buffer[] = [];
  const messages: ServerMessage[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    scanFrame(data.toString(isBinary ? 'latin1' : 'utf8'), ws.url);
    if (isBinary) {
      if (options.keepOutput !== false) chunks.push(Buffer.from(data));
    } else {
      const parsed = parseServerMessage(data.toString('utf8'));
      if (!parsed.ok) throw new Error(parsed.reason);
      messages.push(parsed.value);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const refused = new Promise<{ status: number; body: string }>((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        scanResponseBody(body, ws.url);
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  opened.catch(() => undefined);
  ws.on('error', () => undefined);
  const output = () => Buffer.concat(chunks);
  const sendWhenOpen = (data: Buffer | string, binary: boolean) => {
    if (ws.readyState === WebSocket.CONNECTING)
      void opened.then(
        () => ws.send(data, { binary }),
        () => undefined,
      );
    else ws.send(data, { binary });
  };
  const client: TerminalClient = {
    ws,
    messages,
    output,
    outputText: () => output().toString('utf8'),
    closed,
    refused,
    opened,
    // Sends made before the socket opened go out in order once it does, as a page's would.
    sendText: (text) => sendWhenOpen(Buffer.from(text), true),
    sendBytes: (bytes) => sendWhenOpen(bytes, true),
    control: (message) => sendWhenOpen(JSON.stringify(message), false),
    async waitForOutput(text, timeoutMs = 10_000) {
      await poll(
        () => output().includes(text),
        timeoutMs,
        () => `output ${JSON.stringify(text)} (got ${JSON.stringify(output().toString().slice(-300))})`,
      );
    },
    async waitForMessage(type, timeoutMs = 10_000) {
      await poll(
        () => messages.some((m) => m.type === type),
        timeoutMs,
        () => `a ${type} message (got ${JSON.stringify(messages)})`,
      );
      return messages.find((m) => m.type === type) as ServerMessage;
    },
  };
  return client;
}
