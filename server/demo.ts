// Demo mode: the embedded local cluster registered as `local`, and a dev token
// for the URL the gateway prints.
import jwt from 'jsonwebtoken';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { startLocalCluster, type LocalCluster } from './local-cluster/index.js';

export interface Demo {
  cluster: LocalCluster;
  clusters: GatewayConfig['clusters'];
  /** A token for user `dev` (group `dev`), valid for `hours`. */
  devToken(hours?: number): string;
}

export async function startDemo(config: GatewayConfig, logger: Logger): Promise<Demo> {
  const cluster = await startLocalCluster({ logger: logger.child({ component: 'local-cluster' }) });
  const secret = config.auth.jwt.secret;
  if (secret === undefined) throw new Error('demo mode needs an HS secret');
  return {
    cluster,
    clusters: [{ name: 'local', server: cluster.url, token: cluster.token, caData: cluster.caPem, insecureSkipTLSVerify: false, impersonate: false }],
    devToken: (hours = 12) => jwt.sign({ sub: 'dev', groups: ['dev'] }, secret, { algorithm: 'HS256', expiresIn: hours * 3600 }),
  };
}
