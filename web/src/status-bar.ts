// The status line: always says what the terminal is doing, in words that
// tell a refusal, a missing pod and an unreachable cluster apart.
import type { ConnectionState } from './connection.js';

const errorWords: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in or token expired',
  403: 'Forbidden',
  404: 'Not found',
  408: 'Session timed out',
  429: 'Too many sessions',
  500: 'Gateway error',
  502: 'Cluster unreachable',
  503: 'Gateway unavailable',
  504: 'Cluster did not answer in time',
};

export function describeError(status: number, message: string): string {
  return `${errorWords[status] ?? `Error ${status}`}: ${message}`;
}

export function describe(state: ConnectionState): { text: string; kind: string } {
  switch (state.kind) {
    case 'connecting':
      return { text: state.attempt > 1 ? `Connecting (attempt ${state.attempt})…` : 'Connecting…', kind: 'connecting' };
    case 'connected': {
      const s = state.session;
      return { text: `Connected: ${s.cluster} / ${s.namespace} / ${s.pod}${s.container ? ` / ${s.container}` : ''}`, kind: 'connected' };
    }
    case 'exited':
      return { text: `Exited with code ${state.code}. Press Enter or Connect for a new session.`, kind: 'exited' };
    case 'error':
      return { text: describeError(state.status, state.message), kind: 'error' };
    case 'reconnecting':
      return { text: `Connection lost (${state.reason}); reconnecting in ${state.inSeconds} s…`, kind: 'reconnecting' };
    case 'closed':
      return { text: 'Disconnected.', kind: 'closed' };
    default: {
      const unexpected: never = state;
      return unexpected;
    }
  }
}

export function createStatusBar(element: HTMLElement) {
  return {
    show(text: string, kind: string): void {
      element.textContent = text;
      element.dataset.state = kind;
    },
  };
}
