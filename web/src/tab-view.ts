// One terminal tab's share of the page's one xterm: its session writes
// through it, the output is kept (a hidden tab's too) to be drawn again when
// the tab is shown, and keys, resizes and flow control reach only the shown
// tab's session.
import type { Listenable } from './lifecycle.js';
import type { SessionView } from './session-control.js';
import type { StatusBar } from './status-bar.js';
import type { TerminalView } from './terminal-view.js';

/** Output kept per tab to draw it again: the latest bytes, enough for a screen and some scrollback. */
export const KEPT_OUTPUT_BYTES = 1024 * 1024;

/** The latest `limit` bytes written, as one array on demand. */
export class OutputTail {
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly limit = KEPT_OUTPUT_BYTES) {}

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
    while (this.size - (this.chunks[0]?.byteLength ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.byteLength;
    }
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  /** The kept bytes, the last `max` of them at most. */
  bytes(max = this.limit): Uint8Array {
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.byteLength;
    }
    return all.byteLength > max ? all.slice(all.byteLength - max) : all;
  }
}

function gated<T>(source: Listenable<T>, shown: () => boolean): Listenable<T> {
  return (listener) =>
    source((value) => {
      if (shown()) listener(value);
    });
}

const encoder = new TextEncoder();

/** The view a tab's session gets: everything is kept in `output`, and reaches `real` only while `shown()`. */
export function createTabView(real: TerminalView, output: OutputTail, shown: () => boolean): SessionView {
  const write = (bytes: Uint8Array) => {
    output.push(bytes);
    if (shown()) real.write(bytes);
  };
  return {
    write,
    // As the terminal view writes a notice, but kept with the output.
    writeNotice: (text) => write(encoder.encode(`\r\n\x1b[2m${text}\x1b[0m\r\n`)),
    reset() {
      output.clear();
      if (shown()) real.reset();
    },
    fit() {
      if (shown()) real.fit();
    },
    focus() {
      if (shown()) real.focus();
    },
    onData: gated(real.onData, shown),
    onResize: gated(real.onResize, shown),
    onBackpressure: gated(real.onBackpressure, shown),
    size: () => real.size(),
    backpressured: () => shown() && real.backpressured(),
  };
}

/** The status bar a tab's session gets: what it says last is said again when the tab is shown. */
export function createTabStatusBar(real: StatusBar, shown: () => boolean): StatusBar & { replay(): void } {
  let last: Parameters<StatusBar['show']> | undefined;
  return {
    show(...args) {
      last = args;
      if (shown()) real.show(...args);
    },
    replay() {
      if (last !== undefined) real.show(...last);
    },
  };
}
