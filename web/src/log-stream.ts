// One followed pod log: reads the gateway's streamed answer with a
// ReadableStream reader, cuts it into lines, and pauses by not reading, so
// the browser's buffers fill and the gateway holds the cluster's stream back
// (backpressure) instead of the page keeping what it does not show.
import type { Api, LogQuery, PodRef } from './api.js';
import type { Disposable } from './lifecycle.js';

export interface LogStreamEvents {
  /** The gateway answered 200: the log follows (it may be empty so far). */
  opened?(): void;
  /** Complete lines, in order, without their line ends. */
  lines(lines: string[]): void;
  /** The stream ended: the container stopped, or (error) it failed or was refused. */
  ended(error?: unknown): void;
}

export interface LogStream extends Disposable {
  pause(): void;
  resume(): void;
  readonly paused: boolean;
}

// CSI and OSC escape sequences (colours, titles) say nothing as plain text.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** A log line as the page shows it: no escape sequences, no carriage return. */
export function plainLine(line: string): string {
  return line.replace(ESCAPES, '').replace(/\r$/, '');
}

export function openLogStream(api: Api, pod: PodRef, query: LogQuery, events: LogStreamEvents): LogStream {
  const abort = new AbortController();
  let paused = false;
  let wake: (() => void) | undefined;

  async function run(): Promise<void> {
    const response = await api.log(pod, query, abort.signal);
    if (!abort.signal.aborted) events.opened?.();
    const reader = response.body?.getReader();
    if (reader === undefined) return;
    abort.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined));
    const decoder = new TextDecoder();
    let partial = '';
    const held = async () => {
      while (paused && !abort.signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
    };
    for (;;) {
      // Paused: no read, so nothing more comes; the stream waits where it is.
      await held();
      if (abort.signal.aborted) return;
      const { done, value } = await reader.read();
      // A read under way when the pause came is held too: nothing new shows while paused.
      await held();
      if (abort.signal.aborted) return;
      if (done) break;
      const text = partial + decoder.decode(value, { stream: true });
      const cut = text.split('\n');
      partial = cut.pop() ?? '';
      if (cut.length > 0) events.lines(cut.map(plainLine));
    }
    const rest = partial + decoder.decode();
    if (rest !== '') events.lines([plainLine(rest)]);
  }

  void run().then(
    () => {
      if (!abort.signal.aborted) events.ended();
    },
    (error: unknown) => {
      if (!abort.signal.aborted) events.ended(error);
    },
  );

  return {
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      wake?.();
      wake = undefined;
    },
    get paused() {
      return paused;
    },
    dispose() {
      abort.abort();
      wake?.();
    },
  };
}
