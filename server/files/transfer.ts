// A whole transfer, as the route runs it: admit, open the exec, stream, and
// for an upload commit by rename or clean up. Nothing is dialled for a refusal.
import type { Request, Response } from 'express';
import type { Principal } from '../core/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { streamDownload } from './download.js';
import { admitTransfer, openFileExec, runScript, type FileTarget, type TransferAdmission } from './file-exec.js';
import type { FilePath } from './file-path.js';
import { CLEANUP_SCRIPT, COMMIT_SCRIPT, DOWNLOAD_SCRIPT, UPLOAD_SCRIPT, scriptCommand } from './scripts.js';
import { awaitTemporary, BodyStopped, pipeBody, type TransferResult } from './upload.js';

export type { TransferResult } from './upload.js';

/** Streams a file or directory of the container to `res`. */
export async function downloadFile(
  services: GatewayServices,
  principal: Principal,
  target: FileTarget,
  file: FilePath,
  res: Response,
): Promise<TransferResult & { directory: boolean }> {
  const admission = admitTransfer(services, principal, target);
  const stream = await openFileExec(services, admission, scriptCommand(DOWNLOAD_SCRIPT, file.path), false);
  return streamDownload(stream, file, res);
}

/** The Content-Length of a request, or undefined for a chunked body. */
export function contentLength(req: Request): number | undefined {
  const header = req.headers['content-length'];
  return header === undefined || !/^\d{1,16}$/.test(header) ? undefined : Number(header);
}

/**
 * Writes the request body to `file` in the container. A Content-Length over
 * `files.maxBytes` is refused before anything is dialled; a chunked body when
 * it passes the limit, after its temporary file is removed.
 */
export async function uploadFile(
  services: GatewayServices,
  principal: Principal,
  target: FileTarget,
  file: FilePath,
  req: Request,
): Promise<TransferResult> {
  const admission = admitTransfer(services, principal, target);
  const { maxBytes } = services.config.files;
  const length = contentLength(req);
  if (length !== undefined && length > maxBytes) {
    throw new GatewayError('payload_too_large', `the upload (${length} bytes) is larger than the limit of ${maxBytes} bytes`);
  }
  const stream = await openFileExec(services, admission, scriptCommand(UPLOAD_SCRIPT, file.path, String(length ?? '')), true);
  if (length === undefined && !stream.canCloseStdin) {
    stream.close();
    throw new GatewayError('bad_request', `this cluster speaks ${stream.protocol}, which cannot end stdin: send a Content-Length`, {
      status: 411,
    });
  }
  let temporary: string;
  let ended: Promise<{ size: number }>;
  try {
    ({ temporary, ended } = await awaitTemporary(stream));
  } catch (error) {
    stream.close();
    throw error;
  }
  let sent: { bytes: number; sha256: string };
  try {
    sent = await pipeBody(req, stream, { maxBytes, length });
    const { size } = await ended;
    if (size !== sent.bytes) throw new GatewayError('exec_failed', `the container wrote ${size} of ${sent.bytes} bytes`);
  } catch (error) {
    stream.close();
    await cleanUp(services, admission, temporary);
    throw error instanceof BodyStopped ? error.failure : toGatewayError(error);
  }
  try {
    await runScript(services, admission, scriptCommand(COMMIT_SCRIPT, temporary, file.path));
  } catch (error) {
    await cleanUp(services, admission, temporary);
    throw error;
  }
  return { path: file.path, bytes: sent.bytes, sha256: sent.sha256 };
}

/** Removes a temporary file; a failure here leaves only a dot-file, never a half-written target. */
async function cleanUp(services: GatewayServices, admission: TransferAdmission, temporary: string): Promise<void> {
  try {
    await runScript(services, admission, scriptCommand(CLEANUP_SCRIPT, temporary));
  } catch {
    // The script's own trap removes it too when the exec is hung up.
  }
}
