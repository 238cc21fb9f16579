// The terminal sessions that can be watched, by id: each registered when its
// upstream opens and removed when it ends. What GET /api/sessions lists and
// what a watch upgrade looks up.
import type { ServerMessage } from '../../../shared/protocol.js';
import { SharedSession, type SharedSessionInfo, type WatchSettings } from './shared-session.js';

export interface WatchRegistry {
  /** A session that opened; `tellOwner` sends to its owner's browser; `recentOutput` reads its latest output. */
  register(
    info: SharedSessionInfo,
    tellOwner: (message: ServerMessage) => void,
    recentOutput: (maxBytes: number) => Buffer[],
  ): SharedSession;
  /** The session ended: its viewers are closed and it is forgotten. */
  unregister(id: string): void;
  get(id: string): SharedSession | undefined;
  list(): SharedSession[];
}

export function createWatchRegistry(settings: WatchSettings): WatchRegistry {
  const sessions = new Map<string, SharedSession>();
  return {
    register(info, tellOwner, recentOutput) {
      const session = new SharedSession(info, settings, tellOwner, recentOutput);
      sessions.set(info.id, session);
      return session;
    },
    unregister(id) {
      sessions.get(id)?.end();
      sessions.delete(id);
    },
    get: (id) => sessions.get(id),
    list: () => [...sessions.values()],
  };
}
