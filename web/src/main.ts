// The terminal page: wires the token, the REST API, the pickers, the
// terminal, its connection, the Reload panel and the embedding bridge.
import '../styles.css';
import { ApiError, createApi } from './api.js';
import { createEmbedBridge } from './embed.js';
import { createPickers, type Selection } from './pickers.js';
import { createReloadPanel } from './reload-panel.js';
import { createSearchBar } from './search-bar.js';
import { createStatusBar, describe, describeError, isFinished } from './status-bar.js';
import { TerminalConnection, type ConnectionState } from './terminal-connection.js';
import { createTerminalView } from './terminal-view.js';
import { installTestHook } from './test-hook.js';
import { createTokenStore } from './token.js';

/** How long the pickers wait for a linked session's first output before loading anyway. */
const PICKERS_WAIT_MS = 1000;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

const params = new URLSearchParams(window.location.search);
const embedded = params.get('embed') === '1';
document.body.classList.toggle('embed', embedded);

// First of all: take the token out of the address bar.
const tokens = createTokenStore();
const api = createApi(() => tokens.get());
const statusBar = createStatusBar(element('status'), element('restart'));
let connection: TerminalConnection | undefined;
let state: ConnectionState = { kind: 'idle' };
/** Called at the first sign of the first session (output, or an end): the pickers load after it, off the first prompt's path. */
let sessionShowedUp!: () => void;
const firstSessionSign = new Promise<void>((resolve) => (sessionShowedUp = resolve));

const view = createTerminalView(element('terminal'), {
  screenReader: params.get('a11y') === '1',
  onInput(data) {
    if (isFinished(state) || state.kind === 'idle') {
      // After an exit or a failure, Enter starts a new session.
      if (data === '\r') connect();
      return;
    }
    connection?.sendInput(data);
  },
  onResize: (cols, rows) => connection?.send({ type: 'resize', cols, rows }),
  onBackpressure: (paused) => connection?.send({ type: paused ? 'pause' : 'resume' }),
  onFind: () => searchBar.open(),
  onTabMovesFocus: (on) => {
    const { text, kind } = describe(state);
    statusBar.show(`${text} ${on ? 'Tab now moves the focus (Ctrl+Shift+M gives it back to the shell).' : 'Tab goes to the shell again.'}`, kind, isFinished(state));
  },
});
view.terminal.textarea?.setAttribute('aria-describedby', 'terminal-help');

const searchBar = createSearchBar(
  { form: element('find'), input: element('find-text'), previous: element('find-previous'), close: element('find-close'), count: element('find-count') },
  view.search,
  () => view.focus(),
);

const bridge = createEmbedBridge({
  token: (token) => tokens.set(token),
  resize: () => view.fit(),
  focus: () => view.focus(),
});

function showError(error: unknown): void {
  const message = error instanceof ApiError ? describeError(error.status, error.message) : `Error: ${String(error)}`;
  statusBar.show(message, 'error', true);
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
  const previous = state;
  state = next;
  if (isFinished(next)) sessionShowedUp();
  const { text, kind } = describe(next);
  statusBar.show(text, kind, isFinished(next));
  switch (next.kind) {
    case 'connected': {
      const s = next.session;
      bridge.post({ type: 'connected', cluster: s.cluster, namespace: s.namespace, pod: s.pod, container: s.container });
      return;
    }
    case 'exited':
      view.writeNotice(`[exited with code ${next.code}; press Enter for a new session]`);
      bridge.post({ type: 'exit', code: next.code });
      return;
    case 'error':
      view.writeNotice(`[${text}]`);
      bridge.post({ type: 'error', status: next.status, message: next.message });
      return;
    case 'closed':
      view.writeNotice(`[${text}]`);
      bridge.post({ type: 'error', status: 0, message: next.reason });
      return;
    case 'reconnecting':
      if (previous.kind !== 'reconnecting' && previous.kind !== 'connecting') view.writeNotice(`[${next.reason}; reconnecting…]`);
      return;
    case 'idle':
    case 'connecting':
      return;
    default: {
      const unexpected: never = next;
      void unexpected;
    }
  }
}

function connect(target: Selection = pickers.current()): void {
  if (!target.cluster || !target.namespace || !target.pod) {
    statusBar.show('Choose a cluster, namespace and pod, then Connect.', 'idle');
    return;
  }
  connection?.close();
  view.reset();
  view.fit();
  const command = pickers.command.length > 0 ? pickers.command : undefined;
  // Events of a replaced connection are dropped: only the current one speaks.
  const current: TerminalConnection = new TerminalConnection({ ...target, command }, () => tokens.get(), {
    output: (bytes) => {
      if (connection !== current) return;
      view.write(bytes);
      sessionShowedUp();
    },
    state: (next) => {
      if (connection === current) onState(next);
    },
    notice: (message, code) => {
      if (connection !== current) return;
      statusBar.show(message, 'notice');
      // Resuming is seamless: the terminal's own text must not be interrupted for it.
      if (code !== 'resumed') view.writeNotice(`[${message}]`);
      bridge.post({ type: 'notice', message, ...(code === undefined ? {} : { code }) });
    },
    opened: () => {
      // The first size goes out before any output is drawn; a reconnect keeps a pause in force.
      const { cols, rows } = view.size();
      current.send({ type: 'resize', cols, rows });
      if (view.backpressured()) current.send({ type: 'pause' });
    },
    async diagnose() {
      try {
        await api.clusters();
        return undefined;
      } catch (error) {
        return error instanceof ApiError && error.status !== 0 ? { status: error.status, message: error.message } : undefined;
      }
    },
  });
  connection = current;
  current.open();
  // In a portal's frame, the portal decides when the terminal takes the keyboard (the `focus` message).
  if (!embedded) view.focus();
}

tokens.onChange((token) => {
  // A fresh token keeps an open session alive; otherwise it may start one.
  if (connection?.isOpen) connection.send({ type: 'token', token });
  else if (starting === undefined) void start();
  else if (state.kind === 'error' && state.status === 401) connect();
});

element<HTMLFormElement>('target').addEventListener('submit', (event) => {
  event.preventDefault();
  connect();
});
element('restart').addEventListener('click', () => connect());
element('cluster').addEventListener('change', () => void reload.refresh());

let starting: Promise<void> | undefined;
async function start(): Promise<void> {
  if (tokens.get() === undefined) {
    if (embedded) statusBar.show('Waiting for a token from the embedding page…', 'connecting');
    else statusBar.show('Not signed in: open this page from your portal, or with #token=<jwt>.', 'error');
    return;
  }
  starting ??= (async () => {
    // A link that names the whole target (as the page's own links do) connects
    // at once; the pickers fill in after its first output instead of before.
    const linked = pickers.linked();
    if (linked !== undefined) {
      connect(linked);
      // The pickers' REST calls would compete with the session's start on the gateway and the cluster.
      await Promise.race([firstSessionSign, new Promise((resolve) => setTimeout(resolve, PICKERS_WAIT_MS))]);
    }
    await pickers.load();
    if (linked === undefined) connect();
    await reload.refresh();
  })()
    .catch((error: unknown) => {
      starting = undefined;
      showError(error);
    });
  await starting;
}

installTestHook({
  bufferText: () => view.bufferText(),
  state: () => state.kind,
  details: () => state,
  renderer: () => view.renderer(),
  size: () => view.size(),
  backpressured: () => view.backpressured(),
});

bridge.post({ type: 'ready' });
void start();
