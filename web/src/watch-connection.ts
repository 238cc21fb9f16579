// A viewer of a shared session over GET /api/sessions/{id}/watch (webterm.v1):
// the watched terminal's size, then its screen and live output. Read-only:
// nothing is ever sent. Says why it ended (sharing stopped, session ended).
import { statusOfCloseCode } from '../../shared/errors.js';
import { BEARER_PROTOCOL_PREFIX, WEBTERM_PROTOCOL, parseServerMessage } from '../../shared/protocol.js';
import { DisposableStore, Emitter, listen, type Disposable, type Listenable } from './lifecycle.js';
import { openTerminalSocket } from './terminal-socket.js';

export type WatchState =
  | { kind: 'connecting' }
  | { kind: 'watching' }
  /** status: the gateway's refusal or reason (403 not shared or no grant, 404 ended), when known. */
  | { kind: 'ended'; status?: number; message: string };

/**
 * Asked when the upgrade was refused (the browser hides the HTTP answer):
 * whether the session is still listed, and shared.
 */
export type WatchDiagnose = () => Promise<{ listed: boolean; shared: boolean } | undefined>;

export function watchUrl(id: string, base: string = window.location.href): string {
  const url = new URL(`api/sessions/${encodeURIComponent(id)}/watch`, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.href;
}

/** Words for how a watch ended, from the close code and the gateway's last error. */
export function endOfWatch(code: number, error: { status: number; message: string } | undefined): { status?: number; message: string } {
  const status = error?.status ?? statusOfCloseCode(code);
  if (status === 403) return { status, message: `Sharing stopped: ${error?.message ?? 'the owner no longer shares this session'}.` };
  if (status === 404) return { status, message: `The session ended: ${error?.message ?? 'it is no longer running'}.` };
  if (code === 1008) return { status: 1008, message: 'Closed: this viewer could not keep up with the output.' };
  if (code === 1000) return { message: 'The session ended.' };
  return status === undefined
    ? { message: `The watch closed (${code}).` }
    : { status, message: `Closed (${status}): ${error?.message ?? ''}`.trim() };
}

export interface WatchConnection extends Disposable {
  readonly onOutput: Listenable<Uint8Array>;
  readonly onResize: Listenable<{ cols: number; rows: number }>;
  readonly onState: Listenable<WatchState>;
}

export function openWatch(id: string, token: string, diagnose: WatchDiagnose): WatchConnection {
  const store = new DisposableStore();
  const output = store.add(new Emitter<Uint8Array>());
  const resize = store.add(new Emitter<{ cols: number; rows: number }>());
  const state = store.add(new Emitter<WatchState>());
  let lastError: { status: number; message: string } | undefined;
  let opened = false;
  let disposed = false;
  const socket = openTerminalSocket(watchUrl(id), [WEBTERM_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`]);
  queueMicrotask(() => state.fire({ kind: 'connecting' }));
  store.add(
    listen(socket, 'open', () => {
      opened = true;
      state.fire({ kind: 'watching' });
    }),
  );
  store.add(
    listen(socket, 'message', (event) => {
      const data = (event as MessageEvent<ArrayBuffer | string>).data;
      if (typeof data !== 'string') {
        output.fire(new Uint8Array(data));
        return;
      }
      const parsed = parseServerMessage(data);
      if (!parsed.ok) return;
      if (parsed.value.type === 'resize') resize.fire({ cols: parsed.value.cols, rows: parsed.value.rows });
      else if (parsed.value.type === 'error') lastError = { status: parsed.value.status, message: parsed.value.message };
    }),
  );
  store.add(
    listen(socket, 'close', (event) => {
      const { code } = event as CloseEvent;
      if (disposed) return;
      if (opened) {
        state.fire({ kind: 'ended', ...endOfWatch(code, lastError) });
        return;
      }
      // Refused before the upgrade: the list says whether it ended or is not shared.
      void diagnose().then((why) => {
        if (disposed) return;
        if (why === undefined) state.fire({ kind: 'ended', message: 'The gateway cannot be reached.' });
        else if (!why.listed) state.fire({ kind: 'ended', ...endOfWatch(4404, undefined) });
        else if (!why.shared)
          state.fire({ kind: 'ended', ...endOfWatch(4403, { status: 403, message: 'the owner does not share this session' }) });
        else state.fire({ kind: 'ended', status: 403, message: 'Not allowed: you may not watch sessions there.' });
      });
    }),
  );
  return {
    onOutput: output.event,
    onResize: resize.event,
    onState: state.event,
    dispose() {
      disposed = true;
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000);
      store.dispose();
    },
  };
}
