// Kubernetes Status objects for the kubectl-compatible endpoint, so kubectl
// prints "Error from server (Forbidden): …" and the like.
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayError } from '../errors.js';

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'ServiceUnavailable',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export interface StatusDetails {
  name?: string;
  kind?: string;
}

/** A metav1.Status failure as the API server writes it. */
export function failureStatus(code: number, message: string, details?: StatusDetails): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reasons[code] ?? 'InternalError',
    ...(details === undefined ? {} : { details }),
    code,
  };
}

export function statusOfError(error: GatewayError, details?: StatusDetails): Record<string, unknown> {
  return failureStatus(error.status, error.message, details);
}

export function sendStatus(res: ServerResponse, status: Record<string, unknown>): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code as number, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Refuses an upgrade with a Status body and closes the connection. */
export function refuseWithStatus(socket: Duplex, status: Record<string, unknown>): void {
  const code = status.code as number;
  const body = JSON.stringify(status);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

/** Refuses an upgrade with the Status of `error`; an internal error's message stays in the log. */
export function refuseUpgradeWithStatus(socket: Duplex, error: GatewayError, details?: StatusDetails): void {
  refuseWithStatus(socket, error.code === 'internal' ? failureStatus(500, 'internal error') : statusOfError(error, details));
}
