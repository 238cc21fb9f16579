// The connection to a cluster (server/clusters/cluster-socket.ts): TLS with
// the cluster's own settings, and nothing of the caller's options kept in the
// socket, where ws and https would leave every request header (the cluster's
// Authorization among them) for the connection's whole life.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServerCertificate } from '@webterm/local-cluster';
import type { Cluster, ClusterConnection } from '../../../server/clusters/cluster.js';
import { clusterDial } from '../../../server/clusters/cluster-socket.js';

const SECRET = 'Bearer cluster-secret-0123456789';
const certificate = createServerCertificate('cluster-socket-ca');
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(() => server.close());

/** The options tls.connect keeps on a client socket (Node's `connect-options` symbol). */
function keptOptions(socket: TLSSocket): Record<string, unknown> {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'connect-options');
  expect(key, 'Node keeps no connect-options on a TLS socket any more').toBeDefined();
  return (socket as unknown as Record<symbol, Record<string, unknown>>)[key!]!;
}

it('verifies the cluster with its CA and keeps none of the caller’s options, its headers least of all', async () => {
  const connection: ClusterConnection = { ca: certificate.caPem, rejectUnauthorized: true, headers: { Authorization: SECRET } };
  const cluster: Cluster = {
    name: 'b',
    server: new URL(`https://127.0.0.1:${port}`),
    impersonate: false,
    connection: async () => connection,
  };
  const dial = clusterDial(cluster, connection);
  // What ws hands its createConnection: the whole request, headers included.
  const socket = dial.createConnection({ host: '127.0.0.1', port, path: '/api', headers: { Authorization: SECRET } }) as TLSSocket;
  await once(socket, 'secureConnect');
  expect(socket.authorized).toBe(true);

  const kept = keptOptions(socket);
  expect(Object.keys(kept)).not.toContain('headers');
  const text = JSON.stringify(kept, (key, value: unknown) => (key === 'secureContext' || key === 'socket' ? undefined : value));
  expect(text).not.toContain('cluster-secret');
  socket.destroy();
});
