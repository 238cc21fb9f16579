// Watching a live session: the owner's Share toggle and who watches; the
// Sessions list (GET /api/sessions); and the viewer, which shows a shared
// session in the terminal with input disabled, at the watched size, and says
// why it ended.
import type { SessionSummaryItem } from '../../shared/api.js';
import type { Api } from './api.js';
import { DisposableStore, listen, type Disposable } from './lifecycle.js';
import type { SessionControl } from './session-control.js';
import type { StatusBar } from './status-bar.js';
import type { ConnectionState } from './connection-state.js';
import type { TerminalView } from './terminal-view.js';
import { openWatch } from './watch-connection.js';

export interface WatchElements {
  share: HTMLButtonElement;
  watchers: HTMLElement;
  open: HTMLButtonElement;
  dialog: HTMLDialogElement;
  list: HTMLElement;
  listStatus: HTMLElement;
}

export interface WatchPanel extends Disposable {
  /** The owner's session changed state: Share is offered while it is connected. */
  sessionState(state: ConnectionState): void;
  watchers(users: string[]): void;
  /** Opens the shared session `id` read-only in the terminal. */
  watch(id: string, label?: string): void;
  /** A session of the user's own starts: any viewer gives the terminal back. */
  stopWatching(): void;
}

/** "dev — local / default / shell-0 / shell, since 14:05". */
export function describeSession(item: SessionSummaryItem): string {
  const since = new Date(item.startedAt);
  const time = Number.isNaN(since.getTime()) ? item.startedAt : since.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `${item.user} — ${item.cluster} / ${item.namespace} / ${item.pod} / ${item.container}, since ${time}`;
}

export function createWatchPanel(
  elements: WatchElements,
  parts: { api: Api; session: SessionControl; view: TerminalView; statusBar: StatusBar; token: () => string | undefined },
): WatchPanel {
  const { share, watchers, dialog, list, listStatus } = elements;
  const { api, session, view, statusBar } = parts;
  const store = new DisposableStore();
  let shared = false;
  let viewer: Disposable | undefined;

  function showShared(on: boolean): void {
    shared = on;
    share.setAttribute('aria-pressed', String(on));
    share.textContent = on ? 'Sharing' : 'Share';
    if (!on) watchers.textContent = '';
    else if (watchers.textContent === '') watchers.textContent = 'Shared; nobody watches yet.';
  }

  function stopWatching(): void {
    viewer?.dispose();
    viewer = undefined;
    view.terminal.options.disableStdin = false;
    view.holdSize(undefined);
    document.body.classList.remove('watching');
  }

  function watch(id: string, label = id): void {
    const token = parts.token();
    if (token === undefined) return;
    session.disconnect();
    stopWatching();
    view.reset();
    view.terminal.options.disableStdin = true;
    document.body.classList.add('watching');
    const connection = openWatch(id, token, async () => {
      try {
        const found = (await api.sessions()).items.find((item) => item.id === id);
        return { listed: found !== undefined, shared: found?.shared === true };
      } catch {
        return undefined;
      }
    });
    const mine = new DisposableStore();
    mine.add(connection);
    mine.add(connection.onResize((size) => view.holdSize(size)));
    mine.add(connection.onOutput((bytes) => view.write(bytes)));
    mine.add(
      connection.onState((state) => {
        if (state.kind === 'connecting') statusBar.show(`Opening ${label} to watch…`, 'connecting');
        else if (state.kind === 'watching') statusBar.show(`Watching ${label} (read-only: your keys do not reach it).`, 'notice');
        else {
          view.writeNotice(`[${state.message}]`);
          statusBar.show(
            `${state.message} Press New session for a shell of your own.`,
            state.status === undefined ? 'closed' : 'error',
            'new-session',
          );
        }
      }),
    );
    viewer = mine;
  }

  async function showList(): Promise<void> {
    list.replaceChildren();
    listStatus.textContent = 'Loading…';
    try {
      const { items } = await api.sessions();
      listStatus.textContent = items.length === 0 ? 'No shared sessions you may watch, and none of your own.' : '';
      for (const item of items) {
        const row = document.createElement('li');
        const text = document.createElement('span');
        text.textContent = `${describeSession(item)}${item.shared ? '' : ' (not shared)'}`;
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = 'Watch';
        button.disabled = !item.shared;
        button.addEventListener('click', () => {
          dialog.close();
          watch(item.id, `${item.user}'s session on ${item.pod} / ${item.container}`);
        });
        row.append(text, button);
        list.append(row);
      }
    } catch (error) {
      listStatus.textContent = `Cannot list sessions: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  store.add(
    listen(share, 'click', () => {
      if (session.share(!shared)) showShared(!shared);
    }),
  );
  store.add(
    listen(elements.open, 'click', () => {
      dialog.showModal();
      void showList();
    }),
  );
  store.add({ dispose: stopWatching });
  showShared(false);
  share.disabled = true;

  return {
    sessionState(state) {
      share.disabled = state.kind !== 'connected';
      // A new session (or a reconnect to a new one) starts unshared.
      if (state.kind !== 'connected' && state.kind !== 'reconnecting' && state.kind !== 'connecting') showShared(false);
    },
    watchers(users) {
      // The closing of the viewers, after Stop, still reports the emptied set.
      if (!shared) return;
      watchers.textContent = users.length === 0 ? 'Shared; nobody watches yet.' : `Watched by ${users.join(', ')}`;
    },
    watch,
    stopWatching,
    dispose: () => store.dispose(),
  };
}
