// The terminal page: wires the token, the REST API, the pickers, the
// terminal, its connection, the Reload panel and the embedding bridge.
import '../styles.css';
import { ApiError, createApi } from './api.js';
import { TerminalConnection, type ConnectionState } from './connection.js';
import { createEmbedBridge } from './embed.js';
import { createPickers } from './pickers.js';
import { createReloadPanel } from './reload-panel.js';
import { createStatusBar, describe, describeError } from './status-bar.js';
import { createTerminalView } from './terminal-view.js';
import { createTokenStore } from './token.js';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

const params = new URLSearchParams(window.location.search);
const embedded = params.get('embed') === '1';
const screenReader = params.get('a11y') === '1';
document.body.classList.toggle('embed', embedded);

const tokens = createTokenStore();
const api = createApi(() => tokens.get());
const statusBar = createStatusBar(element('status'));
let connection: TerminalConnection | undefined;
let state: ConnectionState = { kind: 'closed' };

const view = createTerminalView(element('terminal'), {
  screenReader,
  onInput(data) {
    if (state.kind === 'exited' || state.kind === 'closed') {
      // After an exit, Enter starts a new session.
      if (data === '\r') connect();
      return;
    }
    connection?.sendInput(data);
  },
  onResize: (cols, rows) => connection?.send({ type: 'resize', cols, rows }),
  onBackpressure: (paused) => connection?.send({ type: paused ? 'pause' : 'resume' }),
});

const bridge = createEmbedBridge({
  token: (token) => tokens.set(token),
  resize: () => view.fit(),
  focus: () => view.focus(),
});

function showError(error: unknown): void {
  const message = error instanceof ApiError ? describeError(error.status, error.message) : `Error: ${String(error)}`;
  statusBar.show(message, 'error');
}

const pickers = createPickers(
  { cluster: element('cluster'), namespace: element('namespace'), pod: element('pod'), container: element('container') },
  api,
  showError,
);

const reload = createReloadPanel(
  {
    button: element('reload'),
    dialog: element('reload-dialog'),
    form: element('reload-form'),
    actions: element('reload-actions'),
    clusterName: element('reload-cluster'),
    confirm: element('reload-confirm'),
    run: element('reload-run'),
    results: element('reload-results'),
  },
  api,
  () => pickers.current(),
);

function onState(next: ConnectionState): void {
  state = next;
  const { text, kind } = describe(next);
  statusBar.show(text, kind);
  if (next.kind === 'connected') {
    const s = next.session;
    bridge.post({ type: 'connected', cluster: s.cluster, namespace: s.namespace, pod: s.pod, container: s.container });
  } else if (next.kind === 'exited') {
    view.writeNotice(`[exited with code ${next.code}; press Enter for a new session]`);
    bridge.post({ type: 'exit', code: next.code });
  } else if (next.kind === 'error') {
    view.writeNotice(`[${text}]`);
    bridge.post({ type: 'error', status: next.status, message: next.message });
  }
}

function connect(): void {
  const target = pickers.current();
  if (!target.cluster || !target.namespace || !target.pod) {
    statusBar.show('Choose a cluster, namespace and pod.', 'closed');
    return;
  }
  connection?.close();
  view.reset();
  view.fit();
  const command = pickers.command.length > 0 ? pickers.command : undefined;
  // Events of a replaced connection are dropped: only the current one speaks.
  const current: TerminalConnection = new TerminalConnection({ ...target, command }, () => tokens.get(), {
    output: (bytes) => {
      if (connection === current) view.write(bytes);
    },
    state: (next) => {
      if (connection === current) onState(next);
    },
    notice: (message) => {
      statusBar.show(message, 'notice');
      view.writeNotice(`[${message}]`);
    },
    opened: () => {
      // The first size goes out before any output is drawn.
      const { cols, rows } = view.size();
      current.send({ type: 'resize', cols, rows });
    },
    diagnose: async () => {
      try {
        await api.clusters();
        return undefined;
      } catch (error) {
        return error instanceof ApiError ? { status: error.status, message: error.message } : undefined;
      }
    },
  });
  connection = current;
  current.open();
  view.focus();
}

tokens.onChange((token) => {
  // A fresh token keeps an open session alive; otherwise it may start one.
  if (connection?.isOpen) connection.send({ type: 'token', token });
  else void start();
});

element<HTMLFormElement>('target').addEventListener('submit', (event) => {
  event.preventDefault();
  connect();
});
for (const id of ['cluster', 'namespace', 'pod', 'container']) {
  element(id).addEventListener('change', () => {
    void reload.refresh();
  });
}

let starting: Promise<void> | undefined;
async function start(): Promise<void> {
  if (tokens.get() === undefined) {
    statusBar.show(embedded ? 'Waiting for a token from the embedding page…' : 'Not signed in: open this page from your portal, or with #token=<jwt>.', embedded ? 'connecting' : 'error');
    return;
  }
  starting ??= pickers
    .load()
    .then(async () => {
      await reload.refresh();
      connect();
    })
    .catch((error: unknown) => {
      starting = undefined;
      showError(error);
    });
  await starting;
}

// A read-only hook for tests and support: what the terminal shows, and its state.
Object.defineProperty(window, '__webterm', {
  value: Object.freeze({
    bufferText: () => view.bufferText(),
    state: () => state,
    renderer: () => view.renderer,
    size: () => view.size(),
  }),
});

bridge.post({ type: 'ready' });
void start();
