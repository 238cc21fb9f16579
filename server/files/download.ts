// GET …/files: the file's bytes (or a tar of the directory) streamed from
// `cat`/`tar` in the container to the client, with backpressure both ways.
// The status line waits for the first byte, so a refusal is still a JSON error.
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { GatewayError } from '../errors.js';
import type { ExecStream } from '../exec/exec-stream.js';
import { exitFailure, statusFailure } from './failures.js';
import { attachmentHeader, type FilePath } from './file-path.js';
import type { TransferResult } from './upload.js';

const MAX_HEADER_BYTES = 64;
const MAX_STDERR_BYTES = 16 * 1024;

/** Streams the download script's output to `res`; resolves once the last byte left. */
export function streamDownload(stream: ExecStream, file: FilePath, res: Response): Promise<TransferResult & { directory: boolean }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let header: Buffer | undefined = Buffer.alloc(0);
    let directory = false;
    let size: number | undefined;
    let bytes = 0;
    let stderr = '';
    let settled = false;
    const finish = (error?: GatewayError) => {
      if (settled) return;
      settled = true;
      res.off('close', onClientGone);
      stream.close();
      if (error === undefined) resolve({ path: file.path, bytes, sha256: hash.digest('hex'), directory });
      else reject(error);
    };
    const start = () => {
      if (res.headersSent) return;
      const filename = directory ? `${file.base}.tar` : file.base;
      res.status(200);
      res.setHeader('Content-Type', directory ? 'application/x-tar' : 'application/octet-stream');
      res.setHeader('Content-Disposition', attachmentHeader(filename));
      if (size !== undefined && size > 0) res.setHeader('Content-Length', String(size));
      res.flushHeaders();
    };
    const onClientGone = () => finish(new GatewayError('bad_request', 'the client went away during the download'));
    res.on('close', onClientGone);
    const content = (data: Buffer) => {
      if (data.length === 0) return;
      start();
      bytes += data.length;
      hash.update(data);
      if (!res.write(data)) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
    };
    stream.listen({
      output: (data) => {
        if (header === undefined) return content(data);
        header = Buffer.concat([header, data]);
        const newline = header.indexOf(0x0a);
        if (newline < 0) {
          if (header.length > MAX_HEADER_BYTES) finish(new GatewayError('upstream_error', 'the container answered the download oddly'));
          return;
        }
        const line = header.subarray(0, newline).toString('latin1');
        const rest = header.subarray(newline + 1);
        header = undefined;
        directory = line === 'D';
        const sizeText = line.startsWith('F ') ? line.slice(2) : '';
        size = /^\d{1,15}$/.test(sizeText) ? Number(sizeText) : undefined;
        content(rest);
      },
      stderr: (data) => {
        if (stderr.length < MAX_STDERR_BYTES) stderr += data.toString('utf8');
      },
      status: (status) => {
        if (status.kind === 'failure') return finish(statusFailure(status));
        if (status.code !== 0) return finish(exitFailure(status.code, stderr));
        if (header !== undefined) return finish(new GatewayError('upstream_error', 'the container answered the download oddly'));
        // A file that changed size while it was read would not match its Content-Length: cut, never pad.
        if (!directory && size !== undefined && size > 0 && bytes !== size) {
          return finish(new GatewayError('exec_failed', `the file changed while it was read (${bytes} of ${size} bytes)`));
        }
        start();
        res.end(() => finish());
      },
      close: () => finish(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost during the download')),
      error: (error) =>
        finish(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost during the download', { cause: error })),
    });
  });
}
