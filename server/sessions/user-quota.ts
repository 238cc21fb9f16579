// Sessions each user holds at once, across the terminal and the kubectl
// endpoints, so one user cannot take every process slot of a gateway.
import { GatewayError } from '../errors.js';

export interface UserQuota {
  /** Takes one slot of `sub`'s; throws too_many_sessions beyond `max` (0: no cap). Returns the release. */
  acquire(sub: string, max: number): () => void;
  count(sub: string): number;
}

export function createUserQuota(): UserQuota {
  const held = new Map<string, number>();
  return {
    acquire(sub, max) {
      const current = held.get(sub) ?? 0;
      if (max > 0 && current >= max) {
        throw new GatewayError(
          'too_many_sessions',
          `user "${sub}" already has ${current} open sessions, the most allowed; close one first`,
        );
      }
      held.set(sub, current + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (held.get(sub) ?? 1) - 1;
        if (left <= 0) held.delete(sub);
        else held.set(sub, left);
      };
    },
    count: (sub) => held.get(sub) ?? 0,
  };
}
