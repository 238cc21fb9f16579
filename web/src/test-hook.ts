// window.__webterm: a small read-only hook for browser tests, benchmarks and
// support. It exposes what the terminal shows and the session's state, never
// the token, and offers no way to type or change anything.
import type { ConnectionState } from './connection-state.js';

export interface TestHookSources {
  bufferText(): string;
  state(): ConnectionState['kind'];
  details(): ConnectionState;
  renderer(): 'webgl' | 'dom';
  size(): { cols: number; rows: number };
  backpressured(): boolean;
}

/** The shape tests read: `window.__webterm.bufferText()`, `window.__webterm.state`. */
export interface WebtermTestHook {
  /** Every line of the terminal buffer (scrollback included), trailing blanks trimmed. */
  bufferText(): string;
  /** idle, connecting, connected, exited, error, reconnecting or closed. */
  readonly state: ConnectionState['kind'];
  /** The state with its details (exit code, error status and message, …). */
  details(): ConnectionState;
  /** Which xterm renderer draws: webgl, or dom when WebGL is missing or lost. */
  renderer(): 'webgl' | 'dom';
  size(): { cols: number; rows: number };
  /** True while output is paused because the terminal is behind. */
  backpressured(): boolean;
}

export function installTestHook(sources: TestHookSources): void {
  const hook: WebtermTestHook = Object.freeze({
    bufferText: () => sources.bufferText(),
    get state() {
      return sources.state();
    },
    details: () => structuredClone(sources.details()),
    renderer: () => sources.renderer(),
    size: () => sources.size(),
    backpressured: () => sources.backpressured(),
  });
  Object.defineProperty(window, '__webterm', { value: hook, writable: false, configurable: false });
}
