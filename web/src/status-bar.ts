// The status line: always says what the terminal is doing, in words that
// tell a refusal, a missing pod and an unreachable cluster apart, and offers
// a "New session" button once a session has ended.
import type { ConnectionState } from './connection-state.js';

const errorWords: Readonly<Record<number, string>> = {
  0: 'Gateway unreachable',
  400: 'Bad request',
  401: 'Not signed in or token expired',
  403: 'Forbidden',
  404: 'Not found',
  408: 'Session timed out',
  409: 'Taken over',
  413: 'Too large',
  429: 'Too many sessions',
  500: 'Gateway error',
  502: 'Cluster unreachable',
  503: 'Gateway unavailable',
  504: 'Cluster did not answer in time',
};

/** Codes whose words say more than their status does. */
const codeWords: Readonly<Record<string, string>> = {
  exec_failed: 'The command could not start',
  no_access: 'No access',
};

/** "Forbidden: <the gateway's message>", one distinct word per status (or per code, where it says more). */
export function describeError(status: number, message: string, code?: string): string {
  return `${(code === undefined ? undefined : codeWords[code]) ?? errorWords[status] ?? `Error ${status}`}: ${message}`;
}

/** Whole seconds left until `at`, never below zero. */
export function secondsUntil(at: number, now = Date.now()): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export type StatusKind = ConnectionState['kind'] | 'notice';

export function describe(state: ConnectionState): { text: string; kind: StatusKind } {
  switch (state.kind) {
    case 'idle':
      return { text: 'Choose a cluster, namespace and pod, then Connect.', kind: 'idle' };
    case 'connecting':
      return { text: state.attempt > 1 ? `Connecting (attempt ${state.attempt})…` : 'Connecting…', kind: 'connecting' };
    case 'connected': {
      const s = state.session;
      return { text: `Connected: ${s.cluster} / ${s.namespace} / ${s.pod}${s.container ? ` / ${s.container}` : ''}`, kind: 'connected' };
    }
    case 'exited':
      return { text: `Exited with code ${state.code}. Press Enter or New session to start again.`, kind: 'exited' };
    case 'error':
      return { text: describeError(state.status, state.message, state.code), kind: 'error' };
    case 'reconnecting':
      return {
        text: `${state.status === undefined ? `Connection lost (${state.reason})` : describeError(state.status, state.reason)}; reconnecting in ${secondsUntil(state.retryAt)} s (attempt ${state.attempt + 1})…`,
        kind: 'reconnecting',
      };
    case 'closed':
      return { text: `Disconnected: ${state.reason}. Press Enter or New session to start again.`, kind: 'closed' };
    default: {
      const unexpected: never = state;
      return unexpected;
    }
  }
}

/** True in the states after which Enter or the button starts a new session. */
export function isFinished(state: ConnectionState): boolean {
  return state.kind === 'exited' || state.kind === 'closed' || state.kind === 'error';
}

/** The status bar's button: New session after an end, Reconnect now during a backoff wait. */
export type StatusButton = 'new-session' | 'reconnect-now' | 'none';

const buttonLabels: Readonly<Record<Exclude<StatusButton, 'none'>, string>> = {
  'new-session': 'New session',
  'reconnect-now': 'Reconnect now',
};

export function createStatusBar(text: HTMLElement, button: HTMLButtonElement) {
  return {
    show(message: string, kind: StatusKind, offer: StatusButton | boolean = 'none'): void {
      const shown: StatusButton = offer === true ? 'new-session' : offer === false ? 'none' : offer;
      // Rewriting the same text would make screen readers announce it again.
      if (text.textContent !== message) text.textContent = message;
      text.dataset.state = kind;
      button.hidden = shown === 'none';
      if (shown !== 'none') {
        button.textContent = buttonLabels[shown];
        button.dataset.action = shown;
      }
    },
  };
}

export type StatusBar = ReturnType<typeof createStatusBar>;
