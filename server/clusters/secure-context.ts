// One TLS context per set of cluster credentials, made once. Left to itself,
// every connection would parse the CA and the client key again and hold its
// own OpenSSL certificate store: CPU per dial and memory per open session.
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ClusterConnection } from './cluster.js';

/** Credential sets kept; more only with exec plugins that mint new client certificates. */
const MAX_CONTEXTS = 64;
const contexts = new Map<string, SecureContext>();

function fingerprint(connection: ClusterConnection): string {
  const hash = createHash('sha256');
  for (const part of [connection.ca, connection.cert, connection.key]) {
    hash.update(part === undefined ? '-' : `${Buffer.byteLength(part)}:`);
    if (part !== undefined) hash.update(part);
  }
  return hash.digest('base64');
}

/** The shared context for this connection's CA, client certificate and key. */
export function secureContextOf(connection: ClusterConnection): SecureContext {
  const key = fingerprint(connection);
  let context = contexts.get(key);
  if (context === undefined) {
    context = createSecureContext({ ca: connection.ca, cert: connection.cert, key: connection.key });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, context);
  }
  return context;
}
