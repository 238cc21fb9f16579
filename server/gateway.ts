// Builds the gateway from its configuration: services, the HTTP app, the
// upgrade routes, and the server that listens. main.ts only calls this.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Router } from 'express';
import type { DestinationStream } from 'pino';
import { createLimiter } from './actions/limiter.js';
import { auditDestination, createAuditLog, type AuditLog } from './audit/audit-log.js';
import { createTokenVerifier } from './auth/verify-token.js';
import { createClusterRegistry, createKubeApi, type ClusterRegistry, type KubeApi } from './clusters/index.js';
import type { GatewayConfig } from './config.js';
import { GatewayError } from './errors.js';
import { createHeartbeat } from './exec/heartbeat.js';
import { createActionRoutes } from './http/action-routes.js';
import { createApp } from './http/app.js';
import { createAuthenticator } from './http/authenticate.js';
import { refuseUpgrade } from './http/respond.js';
import type { GatewayServices } from './http/services.js';
import { createTerminalEndpoint, type TerminalEndpointHooks } from './http/terminal-upgrade.js';
import { createKubectlExecProxy } from './kubectl/exec-proxy.js';
import { createKubeconfigRoute } from './kubectl/kubeconfig-route.js';
import { mountKubectl } from './kubectl/routes.js';
import { createPolicy } from './policy/index.js';

export interface GatewayOptions {
  logger: Logger;
  /** The built page; dist/web by default. */
  webRoot: string;
  /** Registered next to the configured clusters (demo mode's `local`). */
  extraClusters?: GatewayConfig['clusters'];
  terminalHooks?: TerminalEndpointHooks;
  /** Where audit lines go; config.audit.file or stdout by default. */
  auditDestination?: DestinationStream;
}

export interface Gateway {
  readonly server: Server;
  readonly services: GatewayServices;
  readonly audit: AuditLog;
  /** Starts listening; resolves with the base URL (http://host:port). */
  listen(): Promise<string>;
  /** Stops serving: refuses new work, ends open sessions, closes the server. */
  close(): Promise<void>;
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, segments: string[], url: URL) => Promise<void>;

/** Splits a path into decoded segments; a segment that does not decode is an error. */
function pathSegments(pathname: string): string[] {
  return pathname.split('/').slice(1).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new GatewayError('invalid_name', 'the path has a malformed percent-encoding');
    }
  });
}

export async function createGateway(config: GatewayConfig, options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const verifier = createTokenVerifier(config.auth.jwt);
  const policy = createPolicy(config.policy);
  const clusters: ClusterRegistry = await createClusterRegistry([...config.clusters, ...(options.extraClusters ?? [])], { logger });
  const kubeApis = new Map<string, KubeApi>();
  for (const name of clusters.names()) {
    const cluster = clusters.get(name);
    if (cluster !== undefined) kubeApis.set(name, createKubeApi(cluster, { timeoutMs: config.terminal.upstreamTimeoutSeconds * 1000 }));
  }
  const services: GatewayServices = { config, verifier, policy, clusters, kubeApi: (name) => kubeApis.get(name) };
  const audit = createAuditLog(options.auditDestination ?? auditDestination(config.audit.file));
  const authenticate = createAuthenticator(verifier, config.auth.allowedOrigins, logger, {
    onRefused: (req, error) => audit.refusal({ what: 'upgrade', code: error.code, reason: error.message, remoteAddress: req.socket.remoteAddress }),
  });
  const heartbeat = createHeartbeat(config.terminal.pingIntervalSeconds * 1000);
  const terminal = createTerminalEndpoint(config, services, authenticate, heartbeat, logger, {
    onSessionStart: (start) => {
      audit.sessionStart({ sessionId: start.id, principal: start.principal, target: { ...start.route, container: start.target.container, command: start.target.command, tty: start.target.tty } });
      options.terminalHooks?.onSessionStart?.(start);
    },
    onSessionEnd: (start, summary) => {
      audit.sessionEnd({
        sessionId: start.id,
        principal: start.principal,
        target: { ...start.route, container: start.target.container, command: start.target.command, tty: start.target.tty },
        bytesIn: summary.bytesFromBrowser,
        bytesOut: summary.bytesToBrowser,
        exitCode: summary.exitCode,
        reason: summary.reason,
        error: summary.error?.message,
        durationMs: summary.durationMs,
      });
      options.terminalHooks?.onSessionEnd?.(start, summary);
    },
    onRefused: (principal, route, error) => audit.refusal({ principal, what: 'exec', code: error.code, reason: error.message, ...route }),
  });

  const kubectlExec = createKubectlExecProxy(services, heartbeat, audit, logger);
  const tls = config.listen.tls;
  const tlsFiles = tls === undefined ? undefined : { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };

  let ready = false;
  const actionDeps = { services, audit, limit: createLimiter(config.actionConcurrency), maxOutputBytes: config.actionOutputLimitBytes };
  const apiRouters: Router[] = [createActionRoutes(actionDeps), createKubeconfigRoute(services, tlsFiles?.cert.toString('utf8'))];
  const app = createApp(services, authenticate, logger, { webRoot: options.webRoot, isReady: () => ready, apiRouters, topRouters: [mountKubectl(services)] });

  const server: Server = tlsFiles === undefined ? createHttpServer(app) : createHttpsServer(tlsFiles, app);
  // Slow clients may not hold a connection open by trickling headers.
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;

  const upgradeRoutes: Array<{ match: (segments: string[]) => boolean; handle: UpgradeHandler }> = [
    {
      // /api/clusters/{cluster}/namespaces/{ns}/pods/{pod}/exec
      match: (s) => s.length === 8 && s[0] === 'api' && s[1] === 'clusters' && s[3] === 'namespaces' && s[5] === 'pods' && s[7] === 'exec',
      handle: (req, socket, head, s, url) =>
        terminal.handleUpgrade(req, socket, head, { cluster: s[2] ?? '', namespace: s[4] ?? '', pod: s[6] ?? '' }, url),
    },
    {
      // /k8s/clusters/{cluster}/api/v1/namespaces/{ns}/pods/{pod}/exec (kubectl)
      match: (s) => s.length === 10 && s[0] === 'k8s' && s[1] === 'clusters' && s[3] === 'api' && s[4] === 'v1' && s[5] === 'namespaces' && s[7] === 'pods' && s[9] === 'exec',
      handle: (req, socket, head, s, url) =>
        kubectlExec.handleUpgrade(req, socket, head, { cluster: s[2] ?? '', namespace: s[6] ?? '', pod: s[8] ?? '' }, url),
    },
  ];

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void (async () => {
      try {
        if (!ready) throw new GatewayError('draining', 'the gateway is shutting down; try again');
        const url = new URL(req.url ?? '/', 'http://gateway.invalid');
        const segments = pathSegments(url.pathname);
        const route = upgradeRoutes.find((r) => r.match(segments));
        if (route === undefined) throw new GatewayError('not_found', `no websocket endpoint at ${url.pathname.slice(0, 200)}`);
        await route.handle(req, socket, head, segments, url);
      } catch (error) {
        const failure = error instanceof GatewayError ? error : new GatewayError('internal', 'internal error', { cause: error });
        if (failure.code === 'internal') logger.error({ err: error }, 'upgrade failed');
        refuseUpgrade(socket, failure);
      }
    })();
  });

  return {
    server,
    services,
    audit,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.listen.port, config.listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      ready = true;
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `${tlsFiles === undefined ? 'http' : 'https'}://${host}:${address.port}`;
    },
    async close() {
      ready = false;
      heartbeat.stop();
      terminal.endAll(new GatewayError('draining', 'the gateway is shutting down'));
      terminal.close();
      kubectlExec.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
