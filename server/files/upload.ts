// PUT …/files: the request body streamed into a temporary file next to the
// target, then renamed over it once the whole body arrived. A body over the
// limit, a cut connection or a failed write removes the temporary file and
// leaves the target as it was.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { GatewayError } from '../errors.js';
import type { ExecStream } from '../exec/exec-stream.js';
import { checkEnd, untilEnd } from './file-exec.js';

/** The answer of a transfer (shared/api.ts FileUploadResult), and what the audit line names. */
export interface TransferResult {
  path: string;
  bytes: number;
  sha256: string;
}

/** Stdin bytes queued towards the API server above which the body is not read. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export interface UploadOptions {
  maxBytes: number;
  /** The Content-Length, when the body has one. */
  length?: number;
}

/** Why the body stopped before its end: the limit, or the client. */
export class BodyStopped extends Error {
  constructor(readonly failure: GatewayError) {
    super(failure.message);
  }
}

/**
 * Waits for the upload script's temporary file name: until then nothing of
 * the body is read, so a refusal (missing parent, a directory, no permission,
 * a missing tool) comes before any byte goes to the pod.
 */
export async function awaitTemporary(stream: ExecStream): Promise<{ temporary: string; ended: Promise<{ size: number }> }> {
  let stdout = '';
  let ready: ((name: string) => void) | undefined;
  const named = new Promise<string>((resolve) => (ready = resolve));
  const ended = untilEnd(stream, (data) => {
    stdout += data.toString('utf8');
    const newline = stdout.indexOf('\n');
    if (newline >= 0) ready?.(stdout.slice(0, newline));
  }).then((end) => {
    checkEnd(end);
    const size = Number(stdout.split('\n')[1]?.trim());
    if (!Number.isInteger(size)) throw new GatewayError('exec_failed', 'the container did not say how many bytes it wrote');
    return { size };
  });
  // A script that stops before naming its file fails `ended`, which then settles the race.
  const temporary = await Promise.race([named, ended.then(() => Promise.reject(new GatewayError('exec_failed', 'no temporary file')))]);
  ended.catch(() => undefined);
  return { temporary, ended };
}

/** Copies the request body into the exec's stdin, bounded by `maxBytes`; resolves with the count and hash at its end. */
export function pipeBody(req: Request, stream: ExecStream, options: UploadOptions): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let settled = false;
    const stop = (failure: GatewayError) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.pause();
      reject(new BodyStopped(failure));
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        stop(new GatewayError('payload_too_large', `the upload is larger than the limit of ${options.maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      stream.writeStdin(chunk, () => {
        if (req.isPaused() && !settled && stream.bufferedAmount < LOW_WATER) req.resume();
      });
      if (stream.bufferedAmount > HIGH_WATER) req.pause();
    };
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      settled = true;
      stream.closeStdin();
      resolve({ bytes, sha256: hash.digest('hex') });
    });
    req.once('close', () => {
      if (!req.complete) stop(new GatewayError('bad_request', 'the upload was cut before its end'));
    });
    req.once('error', () => stop(new GatewayError('bad_request', 'the upload was cut before its end')));
    if (req.destroyed && !req.complete) stop(new GatewayError('bad_request', 'the upload was cut before its end'));
    req.resume();
  });
}
