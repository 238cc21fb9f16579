// Messages between the page and its socket worker (socket-worker.ts). A
// terminal's websocket lives in the worker, so its output is read while the
// page's main thread draws, and reaches the page joined: one message for all
// the output that came while the page was busy.

export type ToSocketWorker =
  | { kind: 'open'; id: number; url: string; protocols: string[] }
  | { kind: 'send'; id: number; data: string | Uint8Array }
  | { kind: 'close'; id: number; code: number }
  /** The page took the output posted last: the worker may post more. */
  | { kind: 'taken'; id: number };

export type FromSocketWorker =
  | { kind: 'open'; id: number }
  | { kind: 'text'; id: number; data: string }
  /** Output frames in the order they came, joined; the page answers `taken`. */
  | { kind: 'binary'; id: number; data: Uint8Array }
  | { kind: 'close'; id: number; code: number; reason: string };
