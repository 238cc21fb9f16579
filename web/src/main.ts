// The terminal page: wires the token, the REST API, the pickers, the
// terminal, its session, the Reload panel, the Logs view, the debug
// container offer and the embedding bridge.
import '../styles.css';
import { createApi } from './api.js';
import { createDebugOffer, debugNotice } from './debug-offer.js';
import { createEmbedBridge } from './embed.js';
import { createFilesPanel } from './files-panel.js';
import { createLogsView } from './logs-view.js';
import { createMobileKeys } from './mobile-keys.js';
import { createPickers } from './pickers.js';
import { createPreferences } from './preferences.js';
import { createRecordingsPanel } from './recordings-panel.js';
import { createReloadPanel } from './reload-panel.js';
import { createSearchBar } from './search-bar.js';
import { createSessionControl } from './session-control.js';
import { userName } from './target-guidance.js';
import { startPage } from './startup.js';
import { createStatusBar } from './status-bar.js';
import { createTerminalTabs } from './terminal-tabs.js';
import { createTerminalView } from './terminal-view.js';
import { startSocketWorker } from './terminal-socket.js';
import { installTestHook } from './test-hook.js';
import { createWatchPanel } from './watch-panel.js';
import { createTokenStore } from './token.js';
import { createViewTabs } from './view-tabs.js';

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
// The terminal's socket runs in a worker; it loads while the page asks what the user may open.
startSocketWorker();
const api = createApi(() => tokens.get());
const statusBar = createStatusBar(element('status'), element('restart'));

const view = createTerminalView(element('terminal'), {
  screenReader: params.get('a11y') === '1',
  onFind: () => searchBar.open(),
  onTabMovesFocus: (on) => session.showTabMode(on),
});
view.terminal.textarea?.setAttribute('aria-describedby', 'terminal-help');

const searchBar = createSearchBar(
  {
    form: element('find'),
    input: element('find-text'),
    previous: element('find-previous'),
    close: element('find-close'),
    count: element('find-count'),
  },
  view.search,
  () => view.focus(),
);

const bridge = createEmbedBridge({
  token: (token) => tokens.set(token),
  resize: () => view.fit(),
  focus: () => view.focus(),
});

const pickers = createPickers(
  { cluster: element('cluster'), namespace: element('namespace'), pod: element('pod'), container: element('container') },
  api,
  {
    // Another cluster or namespace: stale errors go, and Reload offers what may run there.
    targetChanged: () => {
      void reload.refresh();
      session.showGuidance();
    },
    selectionChanged: () => logs.targetChanged(),
    error: (error) => session.showError(error),
  },
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

const logs = createLogsView(
  {
    target: element('logs-target'),
    tail: element('logs-tail'),
    pause: element('logs-pause'),
    download: element('logs-download'),
    restart: element('logs-restart'),
    status: element('logs-status'),
    lines: element('logs-lines'),
    find: {
      form: element('logs-find'),
      input: element('logs-find-text'),
      previous: element('logs-find-previous'),
      count: element('logs-find-count'),
    },
  },
  api,
  // Before the pickers have loaded, a link's target is the one the page shows.
  () => (pickers.loaded() ? pickers.current() : (pickers.linked() ?? pickers.current())),
  () => pickers.grants(),
);

const tabs = createViewTabs(
  { shell: { tab: element('tab-shell'), panel: element('shell-panel') }, logs: { tab: element('tab-logs'), panel: element('logs-panel') } },
  (shown, onTabs) => {
    if (shown === 'logs') logs.show();
    else logs.hide();
    if (shown === 'shell' && !onTabs && !embedded) view.focus();
  },
  // In a portal's frame the page is the terminal alone (?embed=1): Ctrl+Shift+L stays the shell's.
  { shortcut: !embedded },
);

// A debug container, once running, is listed in the picker and attached to; its first line says where the target's files are.
const debugOffer = createDebugOffer(
  { panel: element('no-shell'), text: element('no-shell-text'), start: element('debug-start'), progress: element('debug-progress') },
  api,
  (target, container) => {
    tabs.select('shell');
    void pickers.reloadPods(target.pod, container).catch((error: unknown) => session.showError(error));
    session.connect({ ...target, container, attach: true });
    view.writeNotice(debugNotice(target, container));
  },
);

// Each terminal tab has its own session; what follows the session (sharing, the debug offer) follows the shown tab's.
const terminalTabs = createTerminalTabs({
  list: element('terminal-tab-list'),
  add: element('terminal-tab-new'),
  view,
  statusBar,
  embedded,
  storage: () => window.sessionStorage,
  createSession: (tabView, tabStatusBar, shown) =>
    createSessionControl({
      view: tabView,
      statusBar: tabStatusBar,
      bridge,
      pickers,
      api,
      tokens,
      embedded,
      onNoShell: (target, message) => {
        if (shown()) debugOffer.show(target, message, pickers.grants());
      },
      onConnect: () => {
        if (!shown()) return;
        debugOffer.hide();
        watching.stopWatching();
      },
      onStateChange: (state) => {
        if (shown()) watching.sessionState(state);
      },
      onWatchers: (users) => {
        if (shown()) watching.watchers(users);
      },
    }),
  shown: (shownSession) => {
    tabs.select('shell');
    debugOffer.hide();
    watching.sessionState(shownSession.state());
  },
});
const session = terminalTabs.session;

const watching = createWatchPanel(
  {
    share: element('share'),
    watchers: element('watchers'),
    open: element('sessions-open'),
    dialog: element('sessions-dialog'),
    list: element('sessions-list'),
    listStatus: element('sessions-status'),
  },
  { api, session, view, statusBar, token: () => tokens.get() },
);
const watchId = params.get('watch');

createRecordingsPanel(
  {
    open: element('recordings-open'),
    dialog: element('recordings-dialog'),
    list: element('recordings-list'),
    status: element('recordings-status'),
  },
  { api, token: () => tokens.get(), user: () => userName(tokens.get()) },
);

element<HTMLFormElement>('target').addEventListener('submit', (event) => {
  event.preventDefault();
  session.connect();
});
element('restart').addEventListener('click', (event) => {
  if ((event.currentTarget as HTMLElement).dataset.action === 'reconnect-now') session.retryNow();
  else session.connect();
  // The keys belong to the shell again (in a portal's frame, the portal decides).
  if (!embedded) view.focus();
});

createPreferences(
  { fontSize: element('font-size'), theme: element('theme') },
  view,
  () => window.matchMedia('(prefers-color-scheme: dark)').matches,
);
createMobileKeys(element('mobile-keys'), view);
const help = element<HTMLDialogElement>('help-dialog');
element('help-open').addEventListener('click', () => help.showModal());
help.addEventListener('close', () => {
  if (!embedded) view.focus();
});

// Files go to and from the session's container, or the pickers' choice before any session.
createFilesPanel(
  {
    dropZone: element('shell-panel'),
    download: element('files-download'),
    dialog: element('files-dialog'),
    form: element('files-form'),
    title: element('files-title'),
    path: element('files-path'),
    progress: element('files-progress'),
    status: element('files-status'),
    start: element('files-start'),
    cancel: element('files-cancel'),
  },
  () => {
    const current = session.state();
    if (current.kind === 'connected') return current.session;
    const { cluster, namespace, pod, container } = pickers.current();
    return cluster && namespace && pod ? { cluster, namespace, pod, container } : undefined;
  },
  () => tokens.get(),
  () => {
    if (!embedded) view.focus();
  },
);

installTestHook({
  bufferText: () => view.bufferText(),
  state: () => session.state().kind,
  details: () => session.state(),
  renderer: () => view.renderer(),
  size: () => view.size(),
  backpressured: () => view.backpressured(),
});

bridge.post({ type: 'ready' });
// ?watch=<id>: the page opens as a viewer of that shared session.
if (watchId !== null && !embedded) {
  void pickers.load().catch((error: unknown) => session.showError(error));
  watching.watch(watchId);
} else startPage({ tokens, pickers, reload, session, statusBar, embedded, resumeTabs: () => terminalTabs.restore() });
