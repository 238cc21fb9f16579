// What every figure gets from the runner, and what it gives back.
import type { Endpoints } from '../clients.js';
import type { KubectlProxy } from '../kubectl-proxy.js';
import type { GatewayChild } from '../processes.js';
import type { RouteTable, Row } from '../report.js';
import type { BenchSettings } from '../settings.js';
import type { CpuReader } from '../streaming.js';

export interface BenchContext {
  settings: BenchSettings;
  /** The main local cluster, direct and through the gateway (as `local`). */
  endpoints: Endpoints;
  gateway: GatewayChild;
  /** The gateway built from BENCH_GATEWAY_B's tree, in front of the same clusters, if asked for. */
  gatewayB: GatewayChild | undefined;
  /** A bench user's token, allowed everything. */
  token: string;
  readCpu: CpuReader;
  /** CPU seconds the main local cluster has spent so far. */
  clusterCpuSeconds(): Promise<number>;
  /** kubectl proxy in front of the main local cluster, if kubectl runs here. */
  kubectlProxy: KubectlProxy | undefined;
  /** Starts another kubectl proxy in front of the main local cluster (stop it after). */
  startKubectlProxy(): Promise<KubectlProxy>;
  /** Starts another gateway in front of the main local cluster, as `local` (stop it after); from BENCH_GATEWAY_B's tree with `b`. */
  startFreshGateway(b?: boolean): Promise<GatewayChild>;
  /** A token for user `sub`, allowed everything. */
  signToken(sub: string): string;
  /** The route table the figures fill in. */
  routes: RouteTable;
  /** The gateway's names of the clusters with bench pods, for the fan-out. */
  fanOutClusters: readonly string[];
  /** Where idle sessions go: the main cluster, then one more per SESSIONS_PER_CLUSTER. */
  idleTargets: readonly Endpoints[];
}

/** Measures one figure (or a figure and its bound) and returns its rows. */
export type Figure = (context: BenchContext) => Promise<Row[]>;
