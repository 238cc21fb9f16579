// The terminal sessions in the gateway's registry, and the browser that may
// come back to one: its owner, on the session's own route and kind, still
// allowed by the policy, while the gateway is not draining.
import type { Principal } from '../../core/principal.js';
import type { PodTarget } from '../../core/target.js';
import { GatewayError } from '../../errors.js';
import type { TerminalSession } from '../../exec/terminal-session.js';
import { decideAny, sessionVerbs, type SessionDeps, type SessionKind } from '../../sessions/open-session.js';
import type { LiveSession } from '../../sessions/registry.js';
import type { SessionStart } from './session-start.js';

export interface Resumable {
  session: TerminalSession;
  kind: SessionKind;
  /** Set once the upstream is open. */
  start?: SessionStart;
}

export interface ResumableSessions {
  /** Adds the session to the registry (metrics, drain, shutdown); returns its removal. */
  register(id: string, entry: Resumable): () => void;
  /** The open session `id` that `principal` may resume on `route`; a refusal otherwise. */
  find(id: string, principal: Principal, route: PodTarget, kind: SessionKind): { session: TerminalSession; start: SessionStart };
}

export function createResumableSessions({ services, registry }: SessionDeps): ResumableSessions {
  const entries = new WeakMap<LiveSession, Resumable>();
  return {
    register(id, entry) {
      const { session } = entry;
      const live: LiveSession = {
        get bytesIn() {
          return session.bytesIn;
        },
        get bytesOut() {
          return session.bytesOut;
        },
        drainNotice: (graceSeconds) =>
          session.send({
            type: 'notice',
            code: 'draining',
            message: `the gateway is shutting down; this session ends in ${graceSeconds} s`,
          }),
        end: (error) => session.fail(error),
      };
      entries.set(live, entry);
      return registry.add(id, live);
    },
    find(id, principal, route, kind) {
      const live = registry.get(id);
      const open = live === undefined ? undefined : entries.get(live);
      const start = open?.start;
      // Another user's session, or one on another route, is as unknown as an ended one.
      if (
        open === undefined ||
        start === undefined ||
        open.session.ended ||
        open.session.owner !== principal.sub ||
        open.kind !== kind ||
        start.target.cluster !== route.cluster ||
        start.target.namespace !== route.namespace ||
        start.target.pod !== route.pod
      ) {
        throw new GatewayError('not_found', 'that session is no longer open: it ended, or its resume period passed');
      }
      if (registry.draining) throw new GatewayError('draining', 'the gateway is shutting down; try again');
      const decision = decideAny(services, principal, start.target, sessionVerbs[kind]);
      if (!decision.allowed) throw new GatewayError('forbidden', decision.reason);
      return { session: open.session, start };
    },
  };
}
