// The sessions open now, of every endpoint, and the one draining flag: what
// drain, shutdown, metrics and resume look at.
import type { GatewayError } from '../errors.js';

/** An open session as the registry sees it, whichever endpoint opened it. */
export interface LiveSession {
  /** Stdin bytes and output bytes so far (for metrics). */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Tells the user the gateway is shutting down, where the protocol has a way to. */
  drainNotice?(graceSeconds: number): void;
  /** Ends the session now (shutdown). */
  end(error: GatewayError): void;
}

export interface SessionRegistry {
  /** Set once, by drain or close: no session opens or resumes after it. */
  readonly draining: boolean;
  /** Adds a session; the returned function removes it (once it ended). */
  add(id: string, session: LiveSession): () => void;
  get(id: string): LiveSession | undefined;
  readonly count: number;
  liveBytes(): { in: number; out: number };
  /** Refuses new sessions and tells the open ones that they end in `graceSeconds`. */
  drain(graceSeconds: number): void;
  /** Refuses new sessions and ends every open one with `error`. */
  endAll(error: GatewayError): void;
}

export function createSessionRegistry(): SessionRegistry {
  const live = new Map<string, LiveSession>();
  let draining = false;
  return {
    get draining() {
      return draining;
    },
    add(id, session) {
      live.set(id, session);
      return () => {
        if (live.get(id) === session) live.delete(id);
      };
    },
    get: (id) => live.get(id),
    get count() {
      return live.size;
    },
    liveBytes() {
      const total = { in: 0, out: 0 };
      for (const session of live.values()) {
        total.in += session.bytesIn;
        total.out += session.bytesOut;
      }
      return total;
    },
    drain(graceSeconds) {
      draining = true;
      for (const session of live.values()) session.drainNotice?.(graceSeconds);
    },
    endAll(error) {
      draining = true;
      for (const session of [...live.values()]) session.end(error);
    },
  };
}
