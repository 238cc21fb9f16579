// A whole stack for tests: the embedded local cluster, and the gateway in front
// of it as cluster `local`, both on 127.0.0.1 port 0, with captured logs.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { parseConfig, type GatewayConfig } from '../../server/config/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../server/gateway.js';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { createLogger } from '../../server/logging.js';
import { registerSecret, scanLogLine } from './secret-scan.js';

export const projectRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export interface TokenClaims {
  sub?: string;
  groups?: string[];
  expiresInSeconds?: number;
  [claim: string]: unknown;
}

export interface Stack {
  gatewayUrl: string;
  /** ws:// or wss:// form of gatewayUrl. */
  wsUrl: string;
  cluster: LocalCluster;
  gateway: Gateway;
  config: GatewayConfig;
  secret: string;
  /** Every log line the gateway wrote, as JSON text. */
  logs: string[];
  /** A token signed with the gateway's secret: alice of group dev, 5 minutes, unless told otherwise. */
  token(claims?: TokenClaims): string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** A partial gateway.yaml merged over the test defaults (arrays replace). */
  config?: Record<string, unknown>;
  /** Clusters beyond `local` (inline entries, as in gateway.yaml). */
  clusters?: Array<Record<string, unknown>>;
  /** More names for the same local cluster (a fan-out over "several" clusters). */
  aliases?: string[];
  /** Share a running local cluster instead of starting one. */
  cluster?: LocalCluster;
  /** Audit lines go where the config says (audit.file) instead of into `logs`. */
  auditToConfig?: boolean;
  /** Writes recordings instead of the one recording.directory would give. */
  recorder?: GatewayOptions['recorder'];
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

export function signToken(secret: string, claims: TokenClaims = {}): string {
  const { expiresInSeconds = 300, sub = 'alice', groups = ['dev'], ...rest } = claims;
  return jwt.sign({ sub, groups, ...rest }, secret, { algorithm: 'HS256', expiresIn: expiresInSeconds });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const cluster = options.cluster ?? (await startLocalCluster());
  const secret = randomBytes(24).toString('base64url');
  const defaults: Record<string, unknown> = {
    listen: { host: '127.0.0.1', port: 0 },
    auth: { jwt: { secret, algorithms: ['HS256'] } },
    policy: [{ groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['*'] }],
    clusters: [
      { name: 'local', server: cluster.url, token: cluster.token, caData: cluster.caPem },
      ...(options.aliases ?? []).map((name) => ({ name, server: cluster.url, token: cluster.token, caData: cluster.caPem })),
      ...(options.clusters ?? []),
    ],
  };
  const config = parseConfig(merge(defaults, options.config ?? {}), 'test stack');
  registerSecret(secret);
  registerSecret(cluster.token);
  for (const entry of config.clusters) if ('token' in entry) registerSecret(entry.token);
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const gateway = await createGateway(config, {
    logger,
    webRoot: join(projectRoot, 'dist', 'web'),
    ...(options.auditToConfig ? {} : { auditDestination: { write: (line: string) => void logs.push(line) } }),
    recorder: options.recorder,
  });
  const gatewayUrl = await gateway.listen();
  return {
    gatewayUrl,
    wsUrl: gatewayUrl.replace(/^http/, 'ws'),
    cluster,
    gateway,
    config,
    secret,
    logs,
    token: (claims) => signToken(secret, claims),
    async stop() {
      await gateway.close();
      for (const line of logs) scanLogLine(line);
      if (options.cluster === undefined) await cluster.stop();
    },
  };
}
