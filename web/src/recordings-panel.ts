// The Recordings panel: the user's recorded sessions (GET /api/recordings:
// their own, and those a `recordings` grant lets them see), each with its
// time, target and duration, and Play, which opens the player page
// (/recordings/{id}) in a new browser tab.
import type { RecordingItem } from '../../shared/api.js';
import { ApiError, type Api } from './api.js';
import { DisposableStore, listen, type Disposable } from './lifecycle.js';
import { describeError } from './status-bar.js';

export interface RecordingsElements {
  open: HTMLButtonElement;
  dialog: HTMLDialogElement;
  list: HTMLElement;
  status: HTMLElement;
}

/** "1:05" or "1:02:05"; "still running" before it ended. */
export function formatDuration(startedAt: string, endedAt: string | undefined): string {
  if (endedAt === undefined) return 'still running';
  const seconds = Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(startedAt)) / 1000));
  if (Number.isNaN(seconds)) return '';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** "Nov 30, 14:05 — local / default / shell-0 / shell — 0:12" (and whose, when not the caller's). */
export function describeRecording(item: RecordingItem, me: string | undefined): { when: string; what: string } {
  const started = new Date(item.startedAt);
  const when = Number.isNaN(started.getTime())
    ? item.startedAt
    : started.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const target = `${item.cluster} / ${item.namespace} / ${item.pod}${item.container ? ` / ${item.container}` : ''}`;
  const who = me !== undefined && item.user !== me ? ` (${item.user})` : '';
  return { when, what: `${target} — ${formatDuration(item.startedAt, item.endedAt)}${who}` };
}

export function createRecordingsPanel(
  elements: RecordingsElements,
  parts: { api: Api; token: () => string | undefined; user: () => string | undefined },
): Disposable {
  const { open, dialog, list, status } = elements;
  const { api, token } = parts;
  const store = new DisposableStore();

  function say(text: string, state: string): void {
    status.textContent = text;
    status.dataset.state = state;
  }

  function play(id: string): void {
    // The player is a page of its own; the token rides in the fragment (never sent), which it takes out at once.
    const url = new URL(`recordings/${encodeURIComponent(id)}`, window.location.href);
    url.hash = `token=${token() ?? ''}`;
    window.open(url.href, '_blank', 'noopener');
  }

  function row(item: RecordingItem): HTMLLIElement {
    const { when, what } = describeRecording(item, parts.user());
    const li = document.createElement('li');
    const time = document.createElement('time');
    time.dateTime = item.startedAt;
    time.textContent = when;
    const text = document.createElement('span');
    text.className = 'recording-what';
    text.textContent = what;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Play';
    button.setAttribute('aria-label', `Play the recording of ${when}, ${what}`);
    store.add(listen(button, 'click', () => play(item.id)));
    li.append(time, text, button);
    return li;
  }

  async function refresh(): Promise<void> {
    list.replaceChildren();
    say('Loading…', 'connecting');
    try {
      const { items } = await api.recordings();
      list.replaceChildren(...items.map(row));
      say(items.length === 0 ? 'No recordings yet: sessions are recorded where a policy rule says record.' : '', 'idle');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) say('This gateway records no sessions.', 'idle');
      else if (error instanceof ApiError) say(describeError(error.status, error.message, error.code), 'error');
      else say(`Error: ${String(error)}`, 'error');
    }
  }

  store.add(
    listen(open, 'click', () => {
      dialog.showModal();
      void refresh();
    }),
  );
  return store;
}
