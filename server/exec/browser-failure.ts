// How a failure reaches the page after the upgrade, the same from every place
// that ends a browser socket: the error message, then close 4000+status.
import type { ServerMessage } from '../../shared/protocol.js';
import type { GatewayError } from '../errors.js';
import { SOCKET_OPEN, type RelaySocket } from './socket.js';

/** The error message the page shows for `failure`. */
export function errorMessage(failure: GatewayError): ServerMessage {
  return { type: 'error', status: failure.status, message: failure.message, code: failure.code };
}

/** Tells the page why, then closes with 4000+status; nothing when the socket is no longer open. */
export function sendFailure(browser: Pick<RelaySocket, 'readyState' | 'send' | 'close'>, failure: GatewayError): void {
  if (browser.readyState !== SOCKET_OPEN) return;
  browser.send(JSON.stringify(errorMessage(failure)));
  browser.close(failure.closeCode);
}
