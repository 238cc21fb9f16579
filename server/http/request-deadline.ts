// How long a request may take to arrive. Node's own requestTimeout bounds the
// whole request on every route, and an upload of 100 MiB over a slow link
// needs longer than any bound that also suits a small JSON body. So the bound
// lives here, per request: a deadline for the whole of an ordinary request,
// and for a streamed upload a limit on silence (no byte for that long).
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestDeadlineOptions {
  /** An ordinary request must have arrived whole within this time. */
  wholeRequestMs: number;
  /** A streamed upload is cut after this long without a byte. */
  uploadIdleMs: number;
  /** Which requests stream their body (file uploads). */
  isUpload(req: IncomingMessage): boolean;
}

export function requestDeadline(options: RequestDeadlineOptions) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const socket = req.socket;
    if (options.isUpload(req)) {
      const silent = () => socket.destroy();
      socket.setTimeout(options.uploadIdleMs, silent);
      // The connection may serve other requests afterwards: the limit is this request's.
      res.once('close', () => {
        socket.setTimeout(0);
        socket.off('timeout', silent);
      });
    } else if (!req.complete) {
      const timer = setTimeout(() => {
        if (!req.complete) socket.destroy();
      }, options.wholeRequestMs);
      const done = () => clearTimeout(timer);
      req.once('end', done);
      res.once('close', done);
    }
    next();
  };
}
