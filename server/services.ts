// What the HTTP layer needs from the rest of the gateway, built once in gateway.ts.
import type { TokenVerifier } from './auth/verify-token.js';
import type { ClusterRegistry, KubeApi } from './clusters/index.js';
import type { GatewayConfig } from './config/index.js';
import type { Policy } from './policy/index.js';

export interface GatewayServices {
  config: GatewayConfig;
  verifier: TokenVerifier;
  policy: Policy;
  clusters: ClusterRegistry;
  /** The REST client of a cluster, one per cluster. */
  kubeApi(cluster: string): KubeApi | undefined;
}
