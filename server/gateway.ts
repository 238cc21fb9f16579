// Builds the gateway from its configuration: services, the HTTP app, the
// upgrade routes, and the server that listens. main.ts only calls this.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import type { Router } from 'express';
import type { DestinationStream } from 'pino';
import { createLimiter } from './actions/limiter.js';
import { auditDestination, createAuditLog, flushAudit, withMetrics, type AuditLog } from './audit/audit-log.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createTokenVerifier } from './auth/verify-token.js';
import { createClusterRegistry, createKubeApi, type ClusterRegistry, type KubeApi } from './clusters/index.js';
import type { GatewayConfig } from './config/index.js';
import { GatewayError } from './errors.js';
import { createHeartbeat } from './exec/heartbeat.js';
import { createActionRoutes } from './http/action-routes.js';
import { createDebugRoute } from './http/debug-route.js';
import { createLogRoute } from './http/log-route.js';
import { createFileRoutes } from './http/file-routes.js';
import { createSessionRoutes } from './http/session-routes.js';
import { createWatchEndpoint } from './http/watch-upgrade.js';
import { contentSecurityPolicy, createApp } from './http/app.js';
import { createRecorder, createRecordingApi, createRecordingPage, type RecordingStarter } from './recording/index.js';
import { createProtocolSniffer } from './http/listener.js';
import type { GatewayServices } from './services.js';
import { createTerminalEndpoint } from './http/terminal-upgrade.js';
import { auditedTerminalHooks } from './http/terminal-upgrade/audit-hooks.js';
import { createUpgradeRouter } from './http/upgrade-router.js';
import { createMetrics, type GatewayMetrics } from './metrics/metrics.js';
import { createMetricsRoute } from './metrics/metrics-route.js';
import { createKubectlExecProxy } from './kubectl/exec-proxy.js';
import { createKubeconfigRoute } from './kubectl/kubeconfig-route.js';
import { mountKubectl } from './kubectl/routes.js';
import { createKubectlUpgrade } from './kubectl/upgrade.js';
import { createPolicy } from './policy/index.js';
import type { SessionDeps } from './sessions/open-session.js';
import { createSessionRegistry } from './sessions/registry.js';
import { createUserQuota } from './sessions/user-quota.js';
import { createWatchRegistry } from './sessions/watching/watch-registry.js';

export interface GatewayOptions {
  logger: Logger;
  /** The built page; dist/web by default. */
  webRoot: string;
  /** Registered next to the configured clusters (demo mode's `local`). */
  extraClusters?: GatewayConfig['clusters'];
  /** Where audit lines go; config.audit.file or stdout by default. */
  auditDestination?: DestinationStream;
  /** Writes the recordings policy rules ask for. */
  recorder?: RecordingStarter;
  /**
   * TLS made at start-up instead of `listen.tls`'s files (demo mode). With
   * `plainHttpToo`, one port serves both http:// and https://.
   */
  tls?: { certPem: string; keyPem: string; caPem: string; plainHttpToo: boolean };
}

export interface Gateway {
  /** The HTTP servers: one, or plain and TLS when one port serves both. */
  readonly servers: readonly Server[];
  readonly services: GatewayServices;
  readonly audit: AuditLog;
  /** Starts listening; resolves with the base URL (http://host:port). */
  listen(): Promise<string>;
  readonly metrics: GatewayMetrics;
  /**
   * Drains: /readyz answers 503, new sessions are refused, open ones are told
   * and get up to `graceSeconds` to finish; then everything closes. Resolves
   * when the server is closed, with how many sessions the grace period cut.
   */
  drain(graceSeconds: number): Promise<{ sessionsEnded: number }>;
  /** Stops serving at once: refuses new work, ends open sessions, closes the server. */
  close(): Promise<void>;
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
  const services: GatewayServices = {
    config,
    verifier,
    authenticate: createAuthenticator(verifier),
    policy,
    clusters,
    kubeApi: (name) => kubeApis.get(name),
  };
  const metrics = createMetrics();
  const auditSink = options.auditDestination ?? auditDestination(config.audit.file);
  const audit = withMetrics(createAuditLog(auditSink), metrics);
  const onAuthRefused = (req: IncomingMessage, error: GatewayError) =>
    audit.refusal({
      what: req.headers.upgrade === undefined ? 'rest' : 'upgrade',
      code: error.code,
      reason: error.message,
      remoteAddress: req.socket.remoteAddress,
    });
  const heartbeat = createHeartbeat(config.terminal.pingIntervalSeconds * 1000);
  const recorder = options.recorder ?? (config.recording === undefined ? undefined : createRecorder(config.recording, logger));
  const registry = createSessionRegistry();
  // A viewer more than this behind the session is closed (1008): the owner never waits for one.
  const watching = createWatchRegistry({ maxViewerBufferBytes: 2 * 1024 * 1024 });
  const sessions: SessionDeps = { services, registry, quota: createUserQuota(), recorder, watching };
  const terminal = createTerminalEndpoint(sessions, heartbeat, logger, auditedTerminalHooks(audit, metrics, onAuthRefused));

  const watchEndpoint = createWatchEndpoint(services, watching, audit, logger);
  const kubectlExec = createKubectlExecProxy(sessions, heartbeat, audit, logger);
  const kubectlUpgrade = createKubectlUpgrade(services, kubectlExec.handleUpgrade, audit);
  metrics.setLiveBytes(() => registry.liveBytes());
  const tlsFiles = config.listen.tls;
  const tls =
    options.tls ??
    (tlsFiles === undefined
      ? undefined
      : {
          certPem: readFileSync(tlsFiles.certFile, 'utf8'),
          keyPem: readFileSync(tlsFiles.keyFile, 'utf8'),
          caPem: undefined,
          plainHttpToo: false,
        });

  /** Listening, and not draining: what /readyz answers. */
  let listening = false;
  const actionDeps = { services, audit, limit: createLimiter(config.actionConcurrency), maxOutputBytes: config.actionOutputLimitBytes };
  const apiRouters: Router[] = [
    createActionRoutes(actionDeps),
    createKubeconfigRoute(services, tls === undefined ? undefined : (tls.caPem ?? tls.certPem)),
    createRecordingApi(services, config.recording),
    createSessionRoutes(services, watching),
    createLogRoute(services),
    createDebugRoute(services, audit),
  ];
  const topRouters: Router[] = [mountKubectl(services, audit)];
  if (config.metrics.enabled) topRouters.unshift(createMetricsRoute(metrics, config.metrics.bearerToken));
  const pageRouters = [createRecordingPage(options.webRoot, contentSecurityPolicy(config.auth.allowedOrigins))];
  const app = createApp(services, logger, {
    webRoot: options.webRoot,
    isReady: () => listening && !registry.draining,
    onAuthRefused,
    apiRouters,
    topRouters,
    pageRouters,
    streamRouters: [createFileRoutes(services, audit)],
  });

  // Half-sent requests are looked for every 5 s (Node's default is 30 s), so one that
  // never finishes its headers is cut within headersTimeout + 5 s.
  const serverOptions = { connectionsCheckingInterval: 5_000 };
  const plainServer = tls === undefined || tls.plainHttpToo ? createHttpServer(serverOptions, app) : undefined;
  const tlsServer = tls === undefined ? undefined : createHttpsServer({ cert: tls.certPem, key: tls.keyPem, ...serverOptions }, app);
  const servers: Server[] = [plainServer, tlsServer].filter((s): s is Server => s !== undefined);
  for (const server of servers) {
    // Slow clients may not hold a connection open by trickling headers. The
    // time a body may take is bounded per request (http/request-deadline.ts):
    // a file upload may take longer than any one bound for every route.
    server.headersTimeout = 15_000;
    server.requestTimeout = 0;
  }
  const listener: NetServer =
    plainServer !== undefined && tlsServer !== undefined ? createProtocolSniffer(plainServer, tlsServer) : servers[0]!;

  const onUpgrade = createUpgradeRouter(
    {
      terminal: terminal.handleUpgrade,
      watch: watchEndpoint.handleUpgrade,
      kubectl: kubectlUpgrade,
      accepting: () => listening && !registry.draining,
    },
    logger,
  );
  for (const server of servers) server.on('upgrade', onUpgrade);

  return {
    servers,
    services,
    audit,
    metrics,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(config.listen.port, config.listen.host, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      listening = true;
      const address = listener.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `${plainServer === undefined ? 'https' : 'http'}://${host}:${address.port}`;
    },
    drain,
    close,
  };

  async function drain(graceSeconds: number): Promise<{ sessionsEnded: number }> {
    registry.drain(graceSeconds);
    const deadline = Date.now() + graceSeconds * 1000;
    const open = () => registry.count;
    logger.info({ graceSeconds, sessions: open() }, 'draining');
    while (open() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))));
    }
    const sessionsEnded = open();
    if (sessionsEnded > 0) logger.info({ sessions: sessionsEnded }, 'grace period over; ending the sessions left');
    await close();
    return { sessionsEnded };
  }

  async function close(): Promise<void> {
    heartbeat.stop();
    registry.endAll(new GatewayError('draining', 'the gateway is shutting down'));
    terminal.close();
    watchEndpoint.close();
    kubectlExec.close();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    if (listener !== plainServer && listener !== tlsServer) await new Promise<void>((resolve) => listener.close(() => resolve()));
    flushAudit(auditSink);
  }
}
