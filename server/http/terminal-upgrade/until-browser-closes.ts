// The upstream dial of a session is given up when the browser leaves first.
import type { WebSocket } from 'ws';

/**
 * Runs `dial` with a signal that aborts if the browser closes meanwhile. The
 * controller and the close listener live only as long as the dial: made in
 * the session's own scope, they would stay with every closure made there.
 */
export async function untilBrowserCloses<T>(browser: WebSocket, dial: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onClose = () => abort.abort();
  browser.once('close', onClose);
  try {
    return await dial(abort.signal);
  } finally {
    browser.off('close', onClose);
  }
}
