// File transfers over GET/PUT …/pods/{pod}/files: XMLHttpRequest, because it
// reports upload progress and aborts cleanly (the gateway then writes nothing
// under the target name). Refusals come back as ApiErrors in the gateway's words.
import type { FileUploadResult } from '../../shared/api.js';
import { ApiError, podPath, type PodRef } from './api.js';

/** A pod's container, as the files endpoint addresses it. */
export type FileTarget = PodRef & { container?: string };

export interface Progress {
  loaded: number;
  /** Undefined when the size is not known in advance (a directory's tar stream). */
  total: number | undefined;
}

/** One transfer under way: `done` settles with its result, or an ApiError; cancel() aborts it (`done` rejects with code `cancelled`). */
export interface Transfer<T> {
  readonly done: Promise<T>;
  cancel(): void;
}

export interface Download {
  blob: Blob;
  /** The file name the gateway gave (Content-Disposition), or the path's base name. */
  filename: string;
}

export function filesUrl(target: FileTarget, path: string): string {
  const query = new URLSearchParams();
  if (target.container) query.set('container', target.container);
  query.set('path', path);
  return `api/${podPath(target)}/files?${query}`;
}

/** The last part of a path, for a file name. */
export function baseName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() || 'download';
}

/** The file name of a Content-Disposition header, if it names one. */
export function dispositionName(header: string | null): string | undefined {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '');
  if (star?.[1] !== undefined) return decodeURIComponent(star[1]);
  return /filename="([^"]*)"/i.exec(header ?? '')?.[1];
}

/** The gateway's JSON error body (as text) as an ApiError. */
export function refusalOf(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    return new ApiError(status, parsed.error?.code ?? 'http_error', parsed.error?.message ?? `HTTP ${status}`);
  } catch {
    return new ApiError(status, 'http_error', `HTTP ${status}`);
  }
}

function send<T>(
  method: 'GET' | 'PUT',
  url: string,
  token: string | undefined,
  body: Blob | undefined,
  onProgress: (progress: Progress) => void,
  settle: (xhr: XMLHttpRequest) => Promise<T>,
): Transfer<T> {
  const xhr = new XMLHttpRequest();
  const done = new Promise<T>((resolve, reject) => {
    if (token === undefined) {
      reject(new ApiError(401, 'unauthenticated', 'no token: open this page from your portal, or with #token=<jwt>'));
      return;
    }
    xhr.open(method, url);
    xhr.responseType = 'blob';
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    const report = (event: ProgressEvent) => onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : undefined });
    if (method === 'PUT') xhr.upload.addEventListener('progress', report);
    else xhr.addEventListener('progress', report);
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        settle(xhr).then(resolve, reject);
        return;
      }
      void (xhr.response as Blob).text().then(
        (text) => reject(refusalOf(xhr.status, text)),
        () => reject(new ApiError(xhr.status, 'http_error', `HTTP ${xhr.status}`)),
      );
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', 'the gateway cannot be reached')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'cancelled', 'cancelled')));
    xhr.send(body ?? null);
  });
  return { done, cancel: () => xhr.abort() };
}

/** PUT the file's bytes to `path` in the container; the answer has the byte count and sha256. */
export function uploadFile(
  target: FileTarget,
  path: string,
  file: Blob,
  token: string | undefined,
  onProgress: (progress: Progress) => void,
): Transfer<FileUploadResult> {
  return send('PUT', filesUrl(target, path), token, file, onProgress, async (xhr) => JSON.parse(await (xhr.response as Blob).text()));
}

/** GET `path` from the container: a file's bytes, or a directory as a tar. */
export function downloadFile(
  target: FileTarget,
  path: string,
  token: string | undefined,
  onProgress: (progress: Progress) => void,
): Transfer<Download> {
  return send('GET', filesUrl(target, path), token, undefined, onProgress, async (xhr) => ({
    blob: xhr.response as Blob,
    filename: dispositionName(xhr.getResponseHeader('Content-Disposition')) ?? baseName(path),
  }));
}

/** The container's home directory, from the environment an exec gets there (`HOME` in /proc/self/environ); undefined if unknown. */
export async function homeDirectory(target: FileTarget, token: string | undefined): Promise<string | undefined> {
  const transfer = downloadFile(target, '/proc/self/environ', token, () => undefined);
  const timer = setTimeout(() => transfer.cancel(), 3000);
  try {
    const { blob } = await transfer.done;
    const home = (await blob.text()).split('\0').find((entry) => entry.startsWith('HOME='));
    const value = home?.slice('HOME='.length);
    return value !== undefined && value.startsWith('/') ? value : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
