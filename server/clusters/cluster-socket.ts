// The connection to a cluster's API server, for the exec websocket (ws) and
// for REST calls (https) alike: TCP made here, TLS over it with the cluster's
// shared context. Keeping the TCP socket lets a failed or abandoned attempt
// be reset for sure: on Node 20 a TLS socket destroyed during its handshake
// leaves its TCP connection open (a server that accepts TCP and never answers).
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Cluster, ClusterConnection } from './cluster.js';
import { secureContextOf } from './secure-context.js';

export interface ClusterDial {
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
    createConnection(options) {
      const host = String(options.host ?? '');
      tcp = netConnect({ host, port: Number(options.port) });
      if (cluster.server.protocol === 'http:') return tcp;
      // Only the cluster's TLS settings, not the caller's options: tls.connect
      // keeps its options for the socket's life, and those of ws and https
      // carry every request header, the cluster's Authorization among them.
      return tlsConnect({
        socket: tcp,
        host,
        servername: connection.servername ?? (isIP(host) === 0 ? host : ''),
        secureContext: secureContextOf(connection),
        rejectUnauthorized: connection.rejectUnauthorized,
      });
    },
    reset() {
      if (tcp !== undefined && !tcp.destroyed) tcp.resetAndDestroy();
    },
  };
}
