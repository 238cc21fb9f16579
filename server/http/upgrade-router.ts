// Which websocket endpoint an upgrade goes to: the terminal (exec and
// attach), watching a session, or kubectl's /k8s/ paths. A refused upgrade
// is answered as its client reads it (a Kubernetes Status under /k8s/).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { PodTarget } from '../core/target.js';
import { GatewayError } from '../errors.js';
import { refuseUpgradeWithStatus } from '../kubectl/status.js';
import type { SessionKind } from '../sessions/open-session.js';
import { refuseUpgrade } from './respond.js';

export interface UpgradeEndpoints {
  terminal(req: IncomingMessage, socket: Duplex, head: Buffer, target: PodTarget, url: URL, kind: SessionKind): Promise<void>;
  watch(req: IncomingMessage, socket: Duplex, head: Buffer, sessionId: string): Promise<void>;
  /** Every upgrade under /k8s/, with its decoded path segments. */
  kubectl(req: IncomingMessage, socket: Duplex, head: Buffer, segments: string[], url: URL): Promise<void>;
  /** False while the gateway is not listening yet or draining: every upgrade is refused. */
  accepting(): boolean;
}

/**
 * Ends a socket on its error, for the whole upgrade and the session after it:
 * a socket error must never become an uncaught exception. One function that
 * closes over nothing, as a closure here would keep the upgrade request for
 * as long as the session lasts.
 */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, segments: string[], url: URL) => Promise<void>;

/** Splits a path into decoded segments; a segment that does not decode is an error. */
function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new GatewayError('invalid_name', 'the path has a malformed percent-encoding');
      }
    });
}

/** The HTTP servers' `upgrade` listener. */
export function createUpgradeRouter(endpoints: UpgradeEndpoints, logger: Logger) {
  const routes: Array<{ match: (segments: string[]) => boolean; handle: UpgradeHandler }> = [
    {
      // /api/clusters/{cluster}/namespaces/{ns}/pods/{pod}/exec, and …/attach
      match: (s) =>
        s.length === 8 &&
        s[0] === 'api' &&
        s[1] === 'clusters' &&
        s[3] === 'namespaces' &&
        s[5] === 'pods' &&
        (s[7] === 'exec' || s[7] === 'attach'),
      handle: (req, socket, head, s, url) =>
        endpoints.terminal(
          req,
          socket,
          head,
          { cluster: s[2] ?? '', namespace: s[4] ?? '', pod: s[6] ?? '' },
          url,
          s[7] === 'attach' ? 'attach' : 'exec',
        ),
    },
    {
      // /api/sessions/{id}/watch
      match: (s) => s.length === 4 && s[0] === 'api' && s[1] === 'sessions' && s[3] === 'watch',
      handle: (req, socket, head, s) => endpoints.watch(req, socket, head, s[2] ?? ''),
    },
    {
      // /k8s/… (kubectl): pod exec, and a Status for every other upgrade there
      match: (s) => s[0] === 'k8s',
      handle: (req, socket, head, s, url) => endpoints.kubectl(req, socket, head, s, url),
    },
  ];

  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', destroyOnError);
    // Segments from the path as sent: the URL parser would resolve %2E%2E
    // and let a name like ".." pass as another route instead of a bad name.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    // kubectl reads only a Kubernetes Status from a refused upgrade.
    const refuse = rawPath.startsWith('/k8s/') ? refuseUpgradeWithStatus : refuseUpgrade;
    void (async () => {
      try {
        if (!endpoints.accepting()) throw new GatewayError('draining', 'the gateway is shutting down; retry in a moment');
        const url = new URL(req.url ?? '/', 'http://gateway.invalid');
        const segments = pathSegments(rawPath);
        const route = routes.find((r) => r.match(segments));
        if (route === undefined) throw new GatewayError('not_found', `no websocket endpoint at ${rawPath.slice(0, 200)}`);
        await route.handle(req, socket, head, segments, url);
      } catch (error) {
        const failure = error instanceof GatewayError ? error : new GatewayError('internal', 'internal error', { cause: error });
        if (failure.code === 'internal') logger.error({ err: error }, 'upgrade failed');
        refuse(socket, failure);
      }
    })();
  };
}
