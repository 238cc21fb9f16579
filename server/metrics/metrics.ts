// Prometheus metrics of one gateway (prom-client, a registry of its own so
// several gateways in one process do not mix): sessions, bytes, upstream
// connect latency, action runs and refusals.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  sessionStarted(cluster: string): void;
  sessionEnded(cluster: string, outcome: string, bytesIn: number, bytesOut: number): void;
  upstreamConnected(cluster: string, seconds: number): void;
  actionRun(action: string, cluster: string, success: boolean): void;
  refused(what: string, reason: string): void;
  /** Bytes of the sessions open now, added to the totals of the ended ones at each scrape. */
  setLiveBytes(provider: () => { in: number; out: number }): void;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'webterm_' });

  const sessionsOpen = new Gauge({
    name: 'webterm_sessions_open',
    help: 'Terminal sessions open now, by cluster.',
    labelNames: ['cluster'],
    registers: [registry],
  });
  const sessionsTotal = new Counter({
    name: 'webterm_sessions_total',
    help: 'Terminal sessions ended, by cluster and outcome (exit, browser-closed, resume-expired, or the error code).',
    labelNames: ['cluster', 'outcome'],
    registers: [registry],
  });
  let endedIn = 0;
  let endedOut = 0;
  let liveBytes: () => { in: number; out: number } = () => ({ in: 0, out: 0 });
  new Counter({
    name: 'webterm_session_bytes_total',
    help: 'Bytes through terminal sessions: in = stdin from browsers, out = output to browsers.',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      const live = liveBytes();
      this.reset();
      this.inc({ direction: 'in' }, endedIn + live.in);
      this.inc({ direction: 'out' }, endedOut + live.out);
    },
  });
  const upstreamConnect = new Histogram({
    name: 'webterm_upstream_connect_seconds',
    help: 'Time to open the pod exec websocket on the cluster, by cluster.',
    labelNames: ['cluster'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const actionRuns = new Counter({
    name: 'webterm_action_runs_total',
    help: 'Action runs, by action, cluster and result (success when every pod succeeded).',
    labelNames: ['action', 'cluster', 'result'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'webterm_refusals_total',
    help: 'Requests refused, by what was asked (upgrade, rest, exec, action …) and reason (the error code).',
    labelNames: ['what', 'reason'],
    registers: [registry],
  });

  return {
    registry,
    sessionStarted: (cluster) => sessionsOpen.inc({ cluster }),
    sessionEnded(cluster, outcome, bytesIn, bytesOut) {
      sessionsOpen.dec({ cluster });
      sessionsTotal.inc({ cluster, outcome });
      endedIn += bytesIn;
      endedOut += bytesOut;
    },
    upstreamConnected: (cluster, seconds) => upstreamConnect.observe({ cluster }, seconds),
    actionRun: (action, cluster, success) => actionRuns.inc({ action, cluster, result: success ? 'success' : 'failure' }),
    refused: (what, reason) => refusals.inc({ what, reason }),
    setLiveBytes(provider) {
      liveBytes = provider;
    },
  };
}
