// The status line: always says what the terminal is doing, in words that
// tell a refusal, a missing pod and an unreachable cluster apart, and offers
// a "New session" button once a session has ended.
import type { ConnectionState } from './terminal-connection.js';

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

/** "Forbidden: <the gateway's message>", one distinct word per status. */
export function describeError(status: number, message: string): string {
  return `${errorWords[status] ?? `Error ${status}`}: ${message}`;
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
      return { text: describeError(state.status, state.message), kind: 'error' };
    case 'reconnecting':
      return {
        text: `${state.status === undefined ? `Connection lost (${state.reason})` : describeError(state.status, state.reason)}; reconnecting in ${state.inSeconds} s (attempt ${state.attempt + 1})…`,
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

export function createStatusBar(text: HTMLElement, restart: HTMLButtonElement) {
  return {
    show(message: string, kind: StatusKind, finished = false): void {
      text.textContent = message;
      text.dataset.state = kind;
      restart.hidden = !finished;
    },
  };
}
