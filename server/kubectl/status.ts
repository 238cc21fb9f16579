// Kubernetes Status answers of the kubectl-compatible endpoint, so kubectl
// prints "Error from server (Forbidden): …" and the like.
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { failureStatus, type KubeStatus, type KubeStatusDetails } from '../../shared/kube-status.js';
import type { GatewayError } from '../errors.js';

/** The Status of a refusal; an internal error's message stays in the log. */
export function statusOfError(error: GatewayError, details?: KubeStatusDetails): KubeStatus {
  return error.code === 'internal' ? failureStatus(500, 'internal error') : failureStatus(error.status, error.message, details);
}

export function sendStatus(res: ServerResponse, status: KubeStatus): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code ?? 500, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** Refuses an upgrade with a Status body and closes the connection. */
export function refuseWithStatus(socket: Duplex, status: KubeStatus): void {
  const code = status.code ?? 500;
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

/** Refuses an upgrade with the Status of `error`. */
export function refuseUpgradeWithStatus(socket: Duplex, error: GatewayError, details?: KubeStatusDetails): void {
  refuseWithStatus(socket, statusOfError(error, details));
}
