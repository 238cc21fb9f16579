// The xterm.js terminal: addons, WebGL where a GPU draws it (webgl-renderer.ts), copy and paste
// as people expect, keyboard escape hatches, screen-reader mode, debounced
// fitting, and flow control on its write queue.
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal, type ITheme } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { DisposableStore, Emitter, listen, type Disposable, type Listenable } from './lifecycle.js';
import { loadWebgl } from './webgl-renderer.js';

// xterm's default ANSI colours are made for a dark background (its yellow is
// unreadable on white); the light theme brings a palette with contrast on white.
const light: ITheme = {
  background: '#fafafa',
  foreground: '#1d1f21',
  cursor: '#1d1f21',
  selectionBackground: '#b4d5fe',
  black: '#24292f',
  red: '#cf222e',
  green: '#116329',
  yellow: '#7d4e00',
  blue: '#0969da',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#1a7f37',
  brightYellow: '#633c01',
  brightBlue: '#218bff',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f',
};
const dark: ITheme = { background: '#0f1115', foreground: '#e6e6e6', cursor: '#e6e6e6', selectionBackground: '#3a4a6b' };

/** Output queued in xterm above which the gateway is asked to pause, and below which to resume. */
export const HIGH_WATER_BYTES = 256 * 1024;
export const LOW_WATER_BYTES = 32 * 1024;
/** The page's own keys, all Ctrl+Shift+<key> so that Ctrl+<key> stays the shell's. */
const SHORTCUTS: Readonly<Record<string, 'copy' | 'paste' | 'find' | 'tab'>> = { KeyC: 'copy', KeyV: 'paste', KeyF: 'find', KeyM: 'tab' };
/** Resizes of the window or the frame are sent once they settle. */
const RESIZE_DEBOUNCE_MS = 80;

export interface TerminalViewOptions {
  screenReader: boolean;
  /** Ctrl+Shift+F: open the find bar. */
  onFind(): void;
  /** Ctrl+Shift+M toggled whether Tab leaves the terminal (keyboard-only use). */
  onTabMovesFocus(on: boolean): void;
}

export interface TerminalView extends Disposable {
  readonly terminal: Terminal;
  readonly search: SearchAddon;
  renderer(): 'webgl' | 'dom';
  /** Keystrokes and pastes, as xterm encodes them. */
  readonly onData: Listenable<string>;
  readonly onResize: Listenable<{ cols: number; rows: number }>;
  /** Flow control: true when output should pause, false when it may resume. */
  readonly onBackpressure: Listenable<boolean>;
  /** True while output is paused because xterm's write queue is long. */
  backpressured(): boolean;
  write(bytes: Uint8Array): void;
  writeNotice(text: string): void;
  fit(): void;
  focus(): void;
  reset(): void;
  /** The whole buffer as text, for tests and copy-all. */
  bufferText(): string;
  size(): { cols: number; rows: number };
  /** Holds the terminal at another's size (a watched session's), or fits it to the page again (undefined). */
  holdSize(size: { cols: number; rows: number } | undefined): void;
  /** Light or dark colours, or the system's (undefined). */
  colorScheme(scheme: 'light' | 'dark' | undefined): void;
  fontSize(px: number): void;
}

export function createTerminalView(container: HTMLElement, options: TerminalViewOptions): TerminalView {
  const store = new DisposableStore();
  const scheme = window.matchMedia('(prefers-color-scheme: dark)');
  const terminal = store.add(
    new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      fontFamily: 'ui-monospace, "Cascadia Mono", "DejaVu Sans Mono", Menlo, "Noto Color Emoji", monospace',
      fontSize: 14,
      scrollback: 10_000,
      screenReaderMode: options.screenReader,
      theme: scheme.matches ? dark : light,
      // Right-click selects a word, and the browser's menu then offers Copy and Paste.
      rightClickSelectsWord: true,
    }),
  );
  let chosenScheme: 'light' | 'dark' | undefined;
  const applyScheme = () => (terminal.options.theme = (chosenScheme ?? (scheme.matches ? 'dark' : 'light')) === 'dark' ? dark : light);
  store.add(listen(scheme, 'change', applyScheme));
  const fitAddon = new FitAddon();
  const search = new SearchAddon();
  terminal.loadAddon(fitAddon);
  terminal.loadAddon(new WebLinksAddon());
  terminal.loadAddon(search);
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
  terminal.open(container);

  let renderer: 'webgl' | 'dom' = 'dom';
  let outputDrawn!: () => void;
  const firstOutput = new Promise<void>((resolve) => (outputDrawn = resolve));
  loadWebgl(terminal, store, firstOutput, (next) => {
    renderer = next;
    container.dataset.renderer = next;
  });
  container.dataset.renderer = renderer;

  let tabMovesFocus = false;
  terminal.attachCustomKeyEventHandler((event) => {
    // Tab normally completes in the shell; in this mode it moves the focus on, so the page has no keyboard trap.
    if (tabMovesFocus && event.key === 'Tab' && !event.ctrlKey && !event.altKey) return false;
    // Only Ctrl+Shift combinations are the page's; plain Ctrl+C always goes to the process as 0x03.
    if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
    const action = SHORTCUTS[event.code];
    if (action === undefined) return true;
    // Keep the browser's own meaning of the keys (Ctrl+Shift+C opens devtools) away.
    event.preventDefault();
    if (event.type !== 'keydown') return false;
    if (action === 'copy') {
      const selection = terminal.getSelection();
      if (selection !== '') void navigator.clipboard?.writeText(selection).catch(() => undefined);
    } else if (action === 'paste') {
      void navigator.clipboard?.readText().then(
        (text) => terminal.paste(text),
        () => undefined,
      );
    } else if (action === 'find') {
      options.onFind();
    } else {
      tabMovesFocus = !tabMovesFocus;
      options.onTabMovesFocus(tabMovesFocus);
    }
    return false;
  });
  // Copy on selection, as terminal users expect (where the browser allows it).
  store.add(
    terminal.onSelectionChange(() => {
      const selection = terminal.getSelection();
      if (selection !== '' && document.hasFocus()) void navigator.clipboard?.writeText(selection).catch(() => undefined);
    }),
  );

  // Flow control: count bytes handed to xterm and not yet parsed. A reset starts a new generation,
  // so callbacks of writes from before it do not skew the count.
  let queued = 0;
  let paused = false;
  let generation = 0;
  const backpressure = store.add(new Emitter<boolean>());
  const write = (bytes: Uint8Array) => {
    const mine = generation;
    queued += bytes.length;
    terminal.write(bytes, () => {
      outputDrawn();
      if (mine !== generation) return;
      queued -= bytes.length;
      if (paused && queued < LOW_WATER_BYTES) {
        paused = false;
        backpressure.fire(false);
      }
    });
    if (!paused && queued > HIGH_WATER_BYTES) {
      paused = true;
      backpressure.fire(true);
    }
  };

  let held: { cols: number; rows: number } | undefined;
  const fit = () => {
    if (held !== undefined) return;
    if (container.clientWidth === 0 || container.clientHeight === 0) return;
    try {
      fitAddon.fit();
    } catch {
      // Not laid out yet.
    }
  };
  let resizeTimer: number | undefined;
  const fitSoon = () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(fit, RESIZE_DEBOUNCE_MS);
  };
  // The container changes size with the window, the frame, or the toolbar wrapping.
  const observer = new ResizeObserver(fitSoon);
  observer.observe(container);
  store.add({
    dispose: () => {
      observer.disconnect();
      window.clearTimeout(resizeTimer);
    },
  });
  fit();

  return {
    terminal,
    search,
    renderer: () => renderer,
    onData: (listener) => terminal.onData(listener),
    onResize: (listener) => terminal.onResize(listener),
    onBackpressure: backpressure.event,
    backpressured: () => paused,
    write,
    writeNotice: (text) => terminal.write(`\r\n\x1b[2m${text}\x1b[0m\r\n`),
    fit,
    focus: () => terminal.focus(),
    reset: () => {
      terminal.reset();
      generation += 1;
      queued = 0;
      paused = false;
    },
    bufferText() {
      const buffer = terminal.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buffer.length; i += 1) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
      return lines.join('\n').replace(/\n+$/, '');
    },
    size: () => ({ cols: terminal.cols, rows: terminal.rows }),
    colorScheme(next) {
      chosenScheme = next;
      applyScheme();
    },
    fontSize(px) {
      terminal.options.fontSize = px;
      fit();
    },
    holdSize(size) {
      held = size;
      if (size === undefined) fit();
      else terminal.resize(size.cols, size.rows);
    },
    dispose: () => store.dispose(),
  };
}
