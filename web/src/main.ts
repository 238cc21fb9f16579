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

/** Shows a failure of the REST API and tells an embedding portal (it may refresh the token). */
function showError(error: unknown): void {
  if (error instanceof ApiError) {
    statusBar.show(describeError(error.status, error.message, error.code), 'error');
    bridge.post({ type: 'error', status: error.status, code: error.code, message: error.message });
    return;
  }
  statusBar.show(`Error: ${String(error)}`, 'error');
}

const pickers = createPickers(
  { cluster: element('cluster'), namespace: element('namespace'), pod: element('pod'), container: element('container') },
  api,
  { targetChanged: onTargetChanged, error: showError },
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

/** Counts the backoff wait down on the status line while a reconnect waits. */
let countdown: ReturnType<typeof setInterval> | undefined;

function showState(current: ConnectionState): void {
  const { text, kind } = describe(current);
  statusBar.show(text, kind, current.kind === 'reconnecting' ? 'reconnect-now' : isFinished(current) ? 'new-session' : 'none');
}

function onState(next: ConnectionState): void {
  const previous = state;
  state = next;
  if (isFinished(next)) sessionShowedUp();
  clearInterval(countdown);
  countdown = undefined;
  showState(next);
  const { text } = describe(next);
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
      bridge.post({ type: 'error', status: next.status, message: next.message, ...(next.code === undefined ? {} : { code: next.code }) });
      return;
    case 'closed':
      view.writeNotice(`[${text}]`);
      bridge.post({ type: 'error', status: 0, message: next.reason });
      return;
    case 'reconnecting':
      if (previous.kind !== 'reconnecting' && previous.kind !== 'connecting') view.writeNotice(`[${next.reason}; reconnecting…]`);
      countdown = setInterval(() => {
        if (state === next) showState(next);
      }, 250);
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

/** The user named in the token, for messages only (the gateway verifies it; the page cannot). */
function userName(): string {
  try {
    const payload = (tokens.get() ?? '').split('.')[1] ?? '';
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : 'you';
  } catch {
    return 'you';
  }
}

/** What the page says about the chosen target when no session runs: what the user may do there, or why nothing. */
function guidance(): { text: string; kind: 'idle' | 'error'; refusal?: { status: number; code: string } } {
  if (!pickers.hasAnyCluster()) {
    return {
      text: `No access: the gateway's policy grants user "${userName()}" nothing on any cluster. Ask the gateway's administrator for a rule.`,
      kind: 'error',
      refusal: { status: 403, code: 'no_access' },
    };
  }
  const { cluster, namespace, pod } = pickers.current();
  const grants = pickers.grants();
  if (grants === undefined) {
    return { text: `Forbidden: user "${userName()}" may not use namespace "${namespace}" of cluster "${cluster}". Choose another namespace.`, kind: 'error', refusal: { status: 403, code: 'forbidden' } };
  }
  const actions = grants.actions.length > 0 ? `Reload… runs ${grants.actions.join(', ')} here.` : '';
  if (!grants.exec) return { text: `You may not open a shell in ${cluster} / ${namespace}. ${actions || 'No action is allowed here either.'}`.trim(), kind: 'idle' };
  if (!pod) return { text: `No pods in ${cluster} / ${namespace}. ${actions}`.trim(), kind: 'idle' };
  return { text: `Choose a pod, then Connect. ${actions}`.trim(), kind: 'idle' };
}

/** Shows the guidance while no session runs; a portal hears of a refusal. */
function showGuidance(): void {
  // Before the pickers have loaded there is nothing to say about the target yet.
  if (!pickers.loaded()) return;
  if (connection !== undefined && !isFinished(state) && state.kind !== 'idle') return;
  const { text, kind, refusal } = guidance();
  statusBar.show(text, kind);
  if (refusal !== undefined) bridge.post({ type: 'error', status: refusal.status, code: refusal.code, message: text });
}

/** The user picked another cluster or namespace: stale errors go, and Reload offers what may run there. */
function onTargetChanged(): void {
  void reload.refresh();
  showGuidance();
}

function connect(target: Selection = pickers.current()): void {
  if (!target.cluster || !target.namespace || !target.pod) {
    showGuidance();
    return;
  }
  if (pickers.grants()?.exec === false && target.namespace === pickers.current().namespace) {
    // The policy is known to refuse it: say so without asking the cluster.
    showGuidance();
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
        return error instanceof ApiError && error.status !== 0 ? { status: error.status, message: error.message, code: error.code } : undefined;
      }
    },
  });
  connection = current;
  current.open();
  // In a portal's frame, the portal decides when the terminal takes the keyboard (the `focus` message).
  if (!embedded) view.focus();
}

tokens.onChange((token) => {
  // A fresh token keeps an open session alive.
  if (connection?.isOpen) {
    connection.send({ type: 'token', token });
    return;
  }
  // After a 401 the same target is tried again with it, and whatever the old token could not load is loaded.
  const retrying = state.kind === 'error' && state.status === 401 && connection !== undefined;
  if (retrying) connection!.open();
  if (starting === undefined) void start({ connectLinked: !retrying && connection === undefined });
});

element<HTMLFormElement>('target').addEventListener('submit', (event) => {
  event.preventDefault();
  connect();
});
element('restart').addEventListener('click', (event) => {
  if ((event.currentTarget as HTMLElement).dataset.action === 'reconnect-now') connection?.retryNow();
  else connect();
  // The keys belong to the shell again (in a portal's frame, the portal decides).
  if (!embedded) view.focus();
});

let starting: Promise<void> | undefined;
async function start(options: { connectLinked: boolean } = { connectLinked: true }): Promise<void> {
  if (tokens.get() === undefined) {
    if (embedded && window.parent !== window) statusBar.show('Waiting for a token from the embedding page…', 'connecting');
    else if (embedded) statusBar.show('Not signed in: this page is meant for a portal\'s frame, which hands it a token; alone, open it with #token=<jwt>.', 'error');
    else statusBar.show('Not signed in: open this page from your portal, or with #token=<jwt>.', 'error');
    return;
  }
  starting ??= (async () => {
    // A link that names the whole target (as the page's own links do) connects
    // at once; the pickers fill in after its first output instead of before.
    const linked = pickers.linked();
    if (linked !== undefined && options.connectLinked) {
      connect(linked);
      // The pickers' REST calls would compete with the session's start on the gateway and the cluster.
      await Promise.race([firstSessionSign, new Promise((resolve) => setTimeout(resolve, PICKERS_WAIT_MS))]);
    }
    await pickers.load();
    const refreshed = reload.refresh();
    if (linked === undefined) {
      // Open a shell only where the user may; otherwise say what they may do.
      if (pickers.grants()?.exec === true && pickers.current().pod) connect();
      else showGuidance();
    }
    await refreshed;
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
