// What the HTTP layer needs from the rest of the gateway, built once in gateway.ts.
import type { Authenticate } from './auth/authenticate.js';
import type { TokenVerifier } from './auth/verify-token.js';
import type { ClusterRegistry, KubeApi } from './clusters/index.js';
import type { GatewayConfig } from './config/index.js';
import type { Policy } from './policy/index.js';

export interface GatewayServices {
  config: GatewayConfig;
  verifier: TokenVerifier;
  /** The one authentication path of every endpoint. */
  authenticate: Authenticate;
  policy: Policy;
  clusters: ClusterRegistry;
  /** The REST client of a cluster, one per cluster. */
  kubeApi(cluster: string): KubeApi | undefined;
}
