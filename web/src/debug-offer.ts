// A container with no shell (a distroless image): says so over the terminal
// and offers "Start a debug container", which adds an ephemeral container
// sharing the target's processes and hands it to the session to attach to.
import { ApiError, type Api } from './api.js';
import { DisposableStore, listen, type Disposable } from './lifecycle.js';
import type { Grants } from './pickers.js';
import type { SessionTarget } from './session-control.js';
import { describeError } from './status-bar.js';

export interface DebugOfferElements {
  panel: HTMLElement;
  text: HTMLElement;
  start: HTMLButtonElement;
  progress: HTMLElement;
}

export interface DebugOffer extends Disposable {
  /** Says that `target` has no shell, and offers a debug container unless the grants say no. */
  show(target: SessionTarget, message: string, grants: Grants): void;
  hide(): void;
}

/** The heart of the cluster's words (runc wraps it in three layers of context), or all of them. */
function essence(message: string): string {
  return /exec: "[^"]*": executable file not found in \$PATH/.exec(message)?.[0] ?? message;
}

/** The line the attached debug shell starts with: where the target's files are. */
export function debugNotice(target: SessionTarget, container: string): string {
  // Attached, a shell that has already printed its prompt shows nothing until a key (as kubectl attach says too).
  return `[debug container ${container} shares ${target.container}'s processes; its files are under /proc/1/root. Press Enter if no prompt shows.]`;
}

/**
 * `started` receives the target and the running debug container's name; the
 * page then lists it in the picker and attaches to it.
 */
export function createDebugOffer(
  elements: DebugOfferElements,
  api: Api,
  started: (target: SessionTarget, container: string) => void,
): DebugOffer {
  const store = new DisposableStore();
  let shown: SessionTarget | undefined;
  /** Counts the attempts, so an answer for an offer that was hidden or replaced is dropped. */
  let attempt = 0;

  function hide(): void {
    attempt += 1;
    shown = undefined;
    elements.panel.hidden = true;
    elements.progress.textContent = '';
  }

  async function start(): Promise<void> {
    const target = shown;
    if (target === undefined) return;
    const mine = ++attempt;
    elements.start.disabled = true;
    elements.progress.dataset.state = 'connecting';
    elements.progress.textContent = 'Starting a debug container… this can take up to a minute.';
    try {
      const { container } = await api.debug(target, { target: target.container });
      if (mine !== attempt) return;
      hide();
      started(target, container);
    } catch (error) {
      if (mine !== attempt) return;
      elements.start.disabled = false;
      elements.progress.dataset.state = 'error';
      elements.progress.textContent = failure(target, error);
    }
  }

  store.add(listen(elements.start, 'click', () => void start()));

  return {
    show(target, message, grants) {
      attempt += 1;
      shown = target;
      const allowed = grants?.debug !== false;
      elements.text.textContent =
        `${target.pod} / ${target.container} has no shell: its image has neither bash nor sh (the cluster said: ${essence(message)}). ` +
        (allowed
          ? 'A debug container brings a shell and tools of its own, and sees this container’s processes and files.'
          : `You may not start a debug container in ${target.namespace}: the gateway's policy does not grant you "debug" there.`);
      elements.start.hidden = !allowed;
      elements.start.disabled = false;
      elements.progress.textContent = '';
      elements.panel.hidden = false;
      if (allowed) elements.start.focus();
    },
    hide,
    dispose: () => store.dispose(),
  };
}

/** A failed start, in words: a refusal says which grant is missing. */
function failure(target: SessionTarget, error: unknown): string {
  if (!(error instanceof ApiError)) return `Could not start a debug container: ${String(error)}`;
  if (error.status === 403)
    return `Forbidden: you may not start a debug container in ${target.namespace} (the gateway's policy does not grant you "debug" there). ${error.message}`;
  if (error.status === 504) return `The debug container did not start in time: ${error.message}`;
  return describeError(error.status, error.message, error.code);
}
