// The path of a file transfer: checked (absolute, no NUL) and normalised
// before it reaches a container, where it is only ever a shell argument.
import { posix } from 'node:path';
import { GatewayError } from '../errors.js';

/** Longest path accepted (Linux's PATH_MAX). */
const MAX_PATH_LENGTH = 4096;

export interface FilePath {
  /** Absolute, normalised, without a trailing slash (except `/` itself). */
  path: string;
  /** The last segment: the download's file name (`root` for `/`). */
  base: string;
}

/** Checks `?path=`: a path that is not absolute or holds NUL is a 400. */
export function parseFilePath(raw: unknown): FilePath {
  if (typeof raw !== 'string' || raw === '') throw new GatewayError('bad_request', 'give the file as ?path=/absolute/path');
  if (raw.includes('\0')) throw new GatewayError('bad_request', 'the path holds a NUL character');
  if (!raw.startsWith('/')) throw new GatewayError('bad_request', `the path must be absolute: ${JSON.stringify(raw.slice(0, 200))}`);
  if (raw.length > MAX_PATH_LENGTH) throw new GatewayError('bad_request', `the path is longer than ${MAX_PATH_LENGTH} characters`);
  const normal = posix.normalize(raw);
  const path = normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
  return { path, base: path === '/' ? 'root' : posix.basename(path) };
}

/** A Content-Disposition that names `filename` safely: ASCII fallback plus the UTF-8 form (RFC 6266). */
export function attachmentHeader(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
