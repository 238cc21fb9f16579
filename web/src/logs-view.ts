// The Logs view: follows the chosen container's log (the last lines first),
// pauses and resumes, finds, downloads the whole log, keeps at most
// MAX_LINES lines in the page, and says every failure in words.
import { ApiError, type Api, type PodRef } from './api.js';
import { DisposableStore, listen, type Disposable } from './lifecycle.js';
import { createLogSearch, type LogSearchElements } from './log-search.js';
import { openLogStream, type LogStream } from './log-stream.js';
import type { Grants, Selection } from './pickers.js';
import { describeError } from './status-bar.js';

/** Lines kept in the page; older ones leave as new ones come (Download has them all). */
export const MAX_LINES = 10_000;

export interface LogsViewElements {
  target: HTMLElement;
  tail: HTMLSelectElement;
  pause: HTMLButtonElement;
  download: HTMLButtonElement;
  restart: HTMLButtonElement;
  status: HTMLElement;
  lines: HTMLElement;
  find: LogSearchElements;
}

export interface LogsView extends Disposable {
  /** The view is shown: it follows the chosen container, from its last lines, unless it already does. */
  show(): void;
  /** The view is hidden: it keeps following until the target changes. */
  hide(): void;
  /** The chosen target may have changed: follow the new one if the view is shown, else stop. */
  targetChanged(): void;
}

const same = (a: Selection | undefined, b: Selection) =>
  a !== undefined && a.cluster === b.cluster && a.namespace === b.namespace && a.pod === b.pod && a.container === b.container;

/** A refused or failed log, in words: a 403 names the missing grant. */
function failure(target: Selection, error: unknown): string {
  if (!(error instanceof ApiError)) return `The log stream was cut: ${error instanceof Error ? error.message : String(error)}.`;
  if (error.status === 403)
    return `Forbidden: you may not read logs in ${target.namespace} (the gateway's policy does not grant you "logs" there). ${error.message}`;
  return describeError(error.status, error.message, error.code);
}

export function createLogsView(elements: LogsViewElements, api: Api, chosen: () => Selection, grants: () => Grants): LogsView {
  const store = new DisposableStore();
  const search = store.add(createLogSearch(elements.find, elements.lines));
  let stream: LogStream | undefined;
  let following: Selection | undefined;
  let shown = false;
  let received = 0;
  /** Lines not drawn yet: drawn once per frame, so a flood of small chunks costs one layout per frame. */
  let pending: string[] = [];
  let frame: number | undefined;
  /** The stream ended: its last words stay on the status line. */
  let ended = false;

  function setStatus(text: string, state: 'connected' | 'notice' | 'error' | 'idle' | 'exited'): void {
    if (elements.status.textContent !== text) elements.status.textContent = text;
    elements.status.dataset.state = state;
  }

  function showProgress(): void {
    if (following === undefined) return;
    const kept = received > MAX_LINES ? ` (the page keeps the last ${MAX_LINES.toLocaleString('en')}; Download has them all)` : '';
    const count = `${received.toLocaleString('en')} line${received === 1 ? '' : 's'}${kept}`;
    if (stream?.paused === true)
      setStatus(`Paused at ${count}. The page reads no more until Resume; the gateway holds the rest back meanwhile.`, 'notice');
    else setStatus(`Following ${following.pod} / ${following.container}: ${count}.`, 'connected');
  }

  function append(texts: string[]): void {
    received += texts.length;
    pending = pending.concat(texts);
    // A tab in the background draws no frames: what it could never show is not kept either.
    if (pending.length > MAX_LINES) pending = pending.slice(-MAX_LINES);
    frame ??= requestAnimationFrame(draw);
  }

  function draw(): void {
    if (frame !== undefined) cancelAnimationFrame(frame);
    frame = undefined;
    const texts = pending;
    pending = [];
    if (texts.length === 0) return;
    const box = elements.lines;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
    const added = texts.map((text) => {
      const line = document.createElement('div');
      line.className = 'log-line';
      line.textContent = text;
      return line;
    });
    box.append(...added);
    for (let extra = box.childElementCount - MAX_LINES; extra > 0; extra -= 1) box.firstElementChild?.remove();
    search.mark(added);
    // Follow the end, unless the reader has scrolled up to read (or went to a match).
    if (atBottom) box.scrollTop = box.scrollHeight;
    if (!ended) showProgress();
  }

  function stop(): void {
    stream?.dispose();
    stream = undefined;
    if (frame !== undefined) cancelAnimationFrame(frame);
    frame = undefined;
    pending = [];
    following = undefined;
    elements.pause.disabled = true;
    elements.pause.textContent = 'Pause';
    elements.pause.setAttribute('aria-pressed', 'false');
  }

  function start(): void {
    stop();
    const target = chosen();
    elements.lines.replaceChildren();
    search.clear();
    received = 0;
    ended = false;
    elements.restart.hidden = true;
    elements.target.textContent = target.pod ? `${target.pod} / ${target.container}` : '';
    elements.download.disabled = !target.pod;
    if (!target.pod || !target.container) {
      setStatus('Choose a pod and a container to see its log.', 'idle');
      return;
    }
    if (grants()?.logs === false) {
      setStatus(`You may not read logs in ${target.namespace}: the gateway's policy does not grant you "logs" there.`, 'error');
      return;
    }
    following = target;
    setStatus(`Opening the log of ${target.pod} / ${target.container}…`, 'idle');
    elements.pause.disabled = false;
    stream = openLogStream(
      api,
      target,
      { container: target.container, follow: true, tailLines: Number(elements.tail.value) },
      {
        opened: showProgress,
        lines: append,
        ended(error) {
          draw();
          ended = true;
          elements.pause.disabled = true;
          elements.restart.hidden = false;
          if (error === undefined) setStatus(`The log of ${target.pod} / ${target.container} ended: the container stopped.`, 'exited');
          else setStatus(failure(target, error), 'error');
        },
      },
    );
  }

  function togglePause(): void {
    if (stream === undefined) return;
    if (stream.paused) stream.resume();
    else stream.pause();
    elements.pause.textContent = stream.paused ? 'Resume' : 'Pause';
    elements.pause.setAttribute('aria-pressed', String(stream.paused));
    showProgress();
  }

  /** The whole log, fetched again without follow, saved as a file. */
  async function download(): Promise<void> {
    const target = following ?? chosen();
    if (!target.pod) return;
    elements.download.disabled = true;
    try {
      const response = await api.log(target satisfies PodRef, { container: target.container });
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `${target.pod}-${target.container}.log`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      setStatus(`Download failed. ${failure(target, error)}`, 'error');
    } finally {
      elements.download.disabled = false;
    }
  }

  store.add(listen(elements.pause, 'click', togglePause));
  store.add(listen(elements.restart, 'click', start));
  store.add(listen(elements.tail, 'change', start));
  store.add(listen(elements.download, 'click', () => void download()));
  store.add({ dispose: stop });

  return {
    show() {
      shown = true;
      if (!same(following, chosen())) start();
    },
    hide() {
      shown = false;
    },
    targetChanged() {
      if (!shown) stop();
      else if (!same(following, chosen())) start();
    },
    dispose: () => store.dispose(),
  };
}
