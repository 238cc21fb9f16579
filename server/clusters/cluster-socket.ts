// The connection to a cluster's API server, for the exec websocket (ws) and
// for REST calls (https) alike: TCP made here, TLS over it with the cluster's
// shared context. Keeping the TCP socket lets a failed or abandoned attempt
// be reset for sure: on Node 20 a TLS socket destroyed during its handshake
// leaves its TCP connection open (a server that accepts TCP and never answers).
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Cluster, ClusterConnection } from './cluster.js';
import { secureContextOf } from './secure-context.js';

export interface ClusterDial {
  /** Options both ws and https hand on to tls.connect (their types lack some of them). */
  readonly tlsOptions: Record<string, unknown>;
  /** For the `createConnection` option of ws and of https.request. */
  createConnection(options: Record<string, unknown>): Duplex;
  /**
   * Closes the TCP connection at once; for an attempt that failed or was given
   * up. Call it before destroying the TLS socket or the request over it.
   */
  reset(): void;
}

export function clusterDial(cluster: Cluster, connection: ClusterConnection): ClusterDial {
  let tcp: Socket | undefined;
  return {
    tlsOptions: {
      secureContext: secureContextOf(connection),
      servername: connection.servername,
      rejectUnauthorized: connection.rejectUnauthorized,
    },
    createConnection(options) {
      tcp = netConnect({ host: String(options.host), port: Number(options.port) });
      if (cluster.server.protocol === 'http:') return tcp;
      const host = String(options.host ?? '');
      const servername = options.servername ?? (isIP(host) === 0 ? host : '');
      return tlsConnect({ ...options, path: undefined, servername, socket: tcp } as unknown as ConnectionOptions);
    },
    reset() {
      if (tcp !== undefined && !tcp.destroyed) tcp.resetAndDestroy();
    },
  };
}
