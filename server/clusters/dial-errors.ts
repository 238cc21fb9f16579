// Turns what can go wrong while reaching a cluster into a GatewayError whose
// message is safe to show: no host detail beyond the cluster's name, no credential.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.js';

const tlsErrorCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Classifies a socket, TLS or handshake error met while dialling `cluster`. */
export function classifyDialError(error: unknown, cluster: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (
    typeof code === 'string' &&
    (tlsErrorCodes.has(code) || code.startsWith('ERR_TLS_') || (code.startsWith('ERR_SSL_') && code !== 'ERR_SSL_WRONG_VERSION_NUMBER'))
  ) {
    return new GatewayError('upstream_tls', `cluster "${cluster}" presented a certificate that is not trusted`, { cause: error });
  }
  if ((typeof code === 'string' && (code === 'ETIMEDOUT' || code === 'ERR_UPSTREAM_TIMEOUT')) || /handshake has timed out/i.test(message)) {
    return new GatewayError('upstream_timeout', `cluster "${cluster}" did not answer in time`, { cause: error });
  }
  if (typeof code === 'string' && unreachableCodes.has(code)) {
    return new GatewayError('upstream_unreachable', `cluster "${cluster}" is unreachable`, { cause: error });
  }
  return new GatewayError('upstream_unreachable', `cluster "${cluster}" is unreachable`, { cause: error });
}

interface StatusBody {
  message?: unknown;
  reason?: unknown;
}

/**
 * Maps the API server's answer to an upgrade that did not switch protocols.
 * Its Status message is shown for 400/403/404 (it names the pod or container);
 * anything else is a failure of the cluster.
 */
export function classifyUpgradeRefusal(statusCode: number, body: string, cluster: string): GatewayError {
  let status: StatusBody = {};
  try {
    status = JSON.parse(body) as StatusBody;
  } catch {
    // Kubelet errors on the proxied path are plain text.
  }
  const detail = typeof status.message === 'string' ? status.message : body.trim().slice(0, 300);
  const cause = new Error(`upgrade refused with HTTP ${statusCode}: ${body.slice(0, 500)}`);
  switch (statusCode) {
    case 400:
      return new GatewayError('bad_request', detail || 'the cluster refused the request', { cause });
    case 401:
      return new GatewayError('upstream_error', `cluster "${cluster}" refused the gateway's credentials`, { cause });
    case 403:
      return new GatewayError(
        'forbidden',
        detail ? `cluster "${cluster}" refused: ${detail}` : `cluster "${cluster}" refused the request`,
        { cause },
      );
    case 404:
      return new GatewayError('not_found', detail || 'not found', { cause });
    case 504:
      return new GatewayError('upstream_timeout', `cluster "${cluster}" did not answer in time`, { cause });
    default:
      if (statusCode >= 200 && statusCode < 400) {
        // The lesson of CVE-2018-1002105: anything but 101 ends the connection.
        return new GatewayError(
          'upstream_error',
          `cluster "${cluster}" answered the upgrade with HTTP ${statusCode} instead of switching protocols`,
          { cause },
        );
      }
      return new GatewayError('upstream_error', `cluster "${cluster}" failed: ${detail || `HTTP ${statusCode}`}`, { cause });
  }
}

const MAX_ERROR_BODY = 64 * 1024;

/** Reads at most 64 KiB of a refused upgrade's body, then destroys the response's socket. */
export function readRefusalBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      res.socket?.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_ERROR_BODY) chunks.push(chunk.subarray(0, MAX_ERROR_BODY - size));
      size += chunk.length;
      if (size >= MAX_ERROR_BODY) done();
    });
    res.once('end', done);
    res.once('error', done);
    res.once('aborted', done);
  });
}
