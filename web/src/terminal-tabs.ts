// Terminal tabs: several sessions in one page, each with its own connection
// and target, sharing the one terminal (the shown tab draws in it). A tab
// strip switches between them (arrow keys, Home, End; Delete closes), + opens
// one on the pickers' target, and a reload comes back to each tab's session
// by resume (its target, id, offset and screen are kept in sessionStorage).
import { DisposableStore, listen, type Disposable } from './lifecycle.js';
import type { SessionControl, SessionTarget, SessionView } from './session-control.js';
import type { StatusBar } from './status-bar.js';
import { createTabStatusBar, createTabView, OutputTail } from './tab-view.js';
import type { TerminalView } from './terminal-view.js';

const STORAGE_KEY = 'webterm.tabs';
/** The screen kept per tab across a reload: the latest output, enough to redraw a screen. */
const SAVED_SCREEN_BYTES = 64 * 1024;

interface SavedTab {
  target: SessionTarget;
  id?: string;
  offset?: number;
  /** The latest output, base64. */
  screen?: string;
}

interface Tab {
  session: SessionControl;
  output: OutputTail;
  status: ReturnType<typeof createTabStatusBar>;
  item: HTMLElement;
  button: HTMLButtonElement;
  close: HTMLButtonElement;
}

export interface TerminalTabsParts {
  list: HTMLElement;
  add: HTMLButtonElement;
  view: TerminalView;
  statusBar: StatusBar;
  /** The page in a portal's frame: one terminal, nothing kept across a reload. */
  embedded: boolean;
  /** sessionStorage: asked for only outside a frame (a third-party frame may be refused it). */
  storage(): Storage;
  /** A new tab's session, talking through its share of the terminal and status bar; `shown` says whether it is the tab shown. */
  createSession(view: SessionView, statusBar: StatusBar, shown: () => boolean): SessionControl;
  /** A tab was shown: what follows the session (sharing, the debug offer) follows this one now. */
  shown(session: SessionControl): void;
}

export interface TerminalTabs extends Disposable {
  /** The shown tab's session: what the rest of the page talks to. */
  readonly session: SessionControl;
  /** After a reload, comes back to the tabs the page had; false when there were none to come back to. */
  restore(): boolean;
  /** Opens a tab on the pickers' target and shows it. */
  open(): void;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function label(target: SessionTarget | undefined): string {
  if (target === undefined) return 'New tab';
  return target.container ? `${target.pod} · ${target.container}` : target.pod;
}

/** Whether this page load is a reload (or back/forward) of the same tab, which may come back to its sessions. */
function reloaded(): boolean {
  const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return entry?.type === 'reload' || entry?.type === 'back_forward';
}

export function createTerminalTabs(parts: TerminalTabsParts): TerminalTabs {
  const { list, add, view, statusBar, embedded, storage } = parts;
  const store = new DisposableStore();
  const tabs: Tab[] = [];
  let active: Tab | undefined;

  function render(): void {
    for (const tab of tabs) {
      const on = tab === active;
      const name = label(tab.session.target());
      if (tab.button.textContent !== name) tab.button.textContent = name;
      tab.button.setAttribute('aria-selected', String(on));
      tab.button.tabIndex = on ? 0 : -1;
      tab.close.tabIndex = on ? 0 : -1;
      tab.close.setAttribute('aria-label', `Close ${name}`);
      tab.close.hidden = tabs.length === 1;
    }
  }

  function select(tab: Tab, focusTab = false): void {
    if (active !== tab) {
      const previous = active;
      active = tab;
      // The hidden tab's session keeps running, unpaused; the shown one is drawn again from what it kept.
      previous?.session.resync();
      view.reset();
      view.write(tab.output.bytes());
      view.fit();
      tab.session.resync();
      tab.status.replay();
      parts.shown(tab.session);
    }
    render();
    if (focusTab) tab.button.focus();
    else if (!embedded) view.focus();
  }

  function remove(tab: Tab, focusTab: boolean): void {
    if (tabs.length === 1) return;
    const index = tabs.indexOf(tab);
    // Closing a tab ends its session (the gateway ends the process; nothing waits for a resume).
    tab.session.disconnect();
    tabs.splice(index, 1);
    tab.item.remove();
    if (active === tab) select(tabs[Math.min(index, tabs.length - 1)]!, focusTab);
    else render();
  }

  function addTab(): Tab {
    const output = new OutputTail();
    const item = document.createElement('span');
    item.className = 'terminal-tab';
    item.setAttribute('role', 'presentation');
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-controls', 'shell-panel');
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'terminal-tab-close';
    close.textContent = '×';
    close.title = 'Close this tab (ends its session)';
    item.append(button, close);
    list.append(item);
    const tab = { output, item, button, close } as Tab;
    const shown = () => active === tab;
    tab.status = createTabStatusBar(statusBar, shown);
    // Every change of a session is said on its status bar: the tab's label follows its target then.
    const said: StatusBar = {
      show: (...args) => {
        tab.status.show(...args);
        render();
      },
    };
    tab.session = parts.createSession(createTabView(view, output, shown), said, shown);
    tabs.push(tab);
    store.add(listen(button, 'click', () => select(tab)));
    store.add(listen(close, 'click', () => remove(tab, false)));
    store.add(
      listen(button, 'keydown', (event) => {
        const index = tabs.indexOf(tab);
        const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
        const to = moves[event.key];
        if (event.key === 'Delete') {
          event.preventDefault();
          remove(tab, true);
        } else if (to !== undefined) {
          event.preventDefault();
          select(tabs[(to + tabs.length) % tabs.length]!, true);
        }
      }),
    );
    render();
    return tab;
  }

  function save(): void {
    if (embedded) return;
    const saved: SavedTab[] = [];
    for (const tab of tabs) {
      const target = tab.session.target();
      if (target === undefined) continue;
      const point = tab.session.resumePoint();
      saved.push(point === undefined ? { target } : { target, ...point, screen: toBase64(tab.output.bytes(SAVED_SCREEN_BYTES)) });
    }
    const shownIndex = active === undefined ? 0 : Math.max(0, tabs.indexOf(active));
    try {
      if (saved.length === 0) storage().removeItem(STORAGE_KEY);
      else storage().setItem(STORAGE_KEY, JSON.stringify({ active: shownIndex, tabs: saved }));
    } catch {
      // No storage (refused, or full): the next load starts afresh.
    }
  }

  function load(): { active: number; tabs: SavedTab[] } | undefined {
    try {
      const parsed = JSON.parse(storage().getItem(STORAGE_KEY) ?? 'null') as { active?: unknown; tabs?: unknown } | null;
      if (parsed === null || !Array.isArray(parsed.tabs) || parsed.tabs.length === 0) return undefined;
      return { active: typeof parsed.active === 'number' ? parsed.active : 0, tabs: parsed.tabs as SavedTab[] };
    } catch {
      return undefined;
    }
  }

  // The browser drops the page's sockets without closing them (1001): the gateway holds each session for a resume.
  if (!embedded) store.add(listen(window, 'pagehide', save));
  store.add(
    listen(add, 'click', () => {
      const tab = addTab();
      select(tab);
      tab.session.connect();
    }),
  );
  const first = addTab();
  active = first;
  render();

  const current = () => (active ?? first).session;
  const session: SessionControl = {
    connect: (target) => current().connect(target),
    retryNow: () => current().retryNow(),
    // A fresh token reaches every tab's session.
    useToken: (token) => tabs.map((tab) => tab.session.useToken(token)).some((taken) => taken),
    hasConnection: () => current().hasConnection(),
    state: () => current().state(),
    firstSign: first.session.firstSign,
    showGuidance: () => current().showGuidance(),
    showError: (error) => current().showError(error),
    showTabMode: (on) => current().showTabMode(on),
    share: (enabled) => current().share(enabled),
    disconnect: () => current().disconnect(),
    resume: (target, point, screen) => current().resume(target, point, screen),
    resumePoint: () => current().resumePoint(),
    target: () => current().target(),
    resync: () => current().resync(),
  };

  return {
    session,
    restore() {
      if (embedded || !reloaded()) return false;
      const saved = load();
      if (saved === undefined) return false;
      const restored = saved.tabs.map((entry, index) => ({ entry, tab: index === 0 ? first : addTab() }));
      const shown = restored[Math.min(saved.active, restored.length - 1)]!.tab;
      select(shown);
      for (const { entry, tab } of restored) {
        if (typeof entry.id === 'string' && typeof entry.offset === 'number')
          tab.session.resume(entry.target, { id: entry.id, offset: entry.offset }, fromBase64(entry.screen ?? ''));
        else tab.session.connect(entry.target);
      }
      render();
      return true;
    },
    open() {
      add.click();
    },
    dispose: () => store.dispose(),
  };
}
