// The xterm.js terminal: addons, WebGL with a clean fallback, copy and paste
// as people expect, screen-reader mode, and flow control on its write queue.
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal, type ITheme } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

const light: ITheme = { background: '#fafafa', foreground: '#1d1f21', cursor: '#1d1f21', selectionBackground: '#b4d5fe' };
const dark: ITheme = { background: '#0f1115', foreground: '#e6e6e6', cursor: '#e6e6e6', selectionBackground: '#3a4a6b' };

/** Output queued in xterm above which the gateway is asked to pause, and below which to resume. */
const HIGH_WATER_BYTES = 256 * 1024;
const LOW_WATER_BYTES = 32 * 1024;

export interface TerminalViewOptions {
  screenReader: boolean;
  onInput(data: string): void;
  onResize(cols: number, rows: number): void;
  /** Flow control: true to pause output, false to resume. */
  onBackpressure(paused: boolean): void;
}

export interface TerminalView {
  readonly terminal: Terminal;
  readonly renderer: 'webgl' | 'dom';
  write(bytes: Uint8Array): void;
  writeNotice(text: string): void;
  fit(): void;
  focus(): void;
  reset(): void;
  /** The whole buffer as text, for tests and copy-all. */
  bufferText(): string;
  size(): { cols: number; rows: number };
}

export function createTerminalView(container: HTMLElement, options: TerminalViewOptions): TerminalView {
  const scheme = window.matchMedia('(prefers-color-scheme: dark)');
  const terminal = new Terminal({
    allowProposedApi: true,
    cursorBlink: true,
    fontFamily: 'ui-monospace, "Cascadia Mono", "DejaVu Sans Mono", Menlo, monospace',
    fontSize: 14,
    scrollback: 10_000,
    screenReaderMode: options.screenReader,
    theme: scheme.matches ? dark : light,
    // Alt+click moves the cursor; right-click selects a word for copying.
    rightClickSelectsWord: true,
  });
  scheme.addEventListener('change', () => (terminal.options.theme = scheme.matches ? dark : light));
  const fitAddon = new FitAddon();
  terminal.loadAddon(fitAddon);
  terminal.loadAddon(new WebLinksAddon());
  terminal.loadAddon(new SearchAddon());
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
  terminal.open(container);

  let renderer: 'webgl' | 'dom' = 'dom';
  try {
    const webgl = new WebglAddon();
    // A lost GPU context falls back to the DOM renderer instead of a blank terminal.
    webgl.onContextLoss(() => webgl.dispose());
    terminal.loadAddon(webgl);
    renderer = 'webgl';
  } catch {
    renderer = 'dom';
  }

  // Ctrl+Shift+C / Ctrl+Shift+V copy and paste; plain Ctrl+C always goes to the process.
  terminal.attachCustomKeyEventHandler((event) => {
    if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
    if (event.code === 'KeyC') {
      const selection = terminal.getSelection();
      if (selection !== '') void navigator.clipboard?.writeText(selection).catch(() => undefined);
      return false;
    }
    if (event.code === 'KeyV') {
      void navigator.clipboard?.readText().then((text) => terminal.paste(text), () => undefined);
      return false;
    }
    return true;
  });
  // Copy on selection, as terminal users expect (where the browser allows it).
  terminal.onSelectionChange(() => {
    const selection = terminal.getSelection();
    if (selection !== '' && document.hasFocus()) void navigator.clipboard?.writeText(selection).catch(() => undefined);
  });

  terminal.onData((data) => options.onInput(data));
  terminal.onResize(({ cols, rows }) => options.onResize(cols, rows));

  let queued = 0;
  let paused = false;
  const write = (bytes: Uint8Array) => {
    queued += bytes.length;
    // xterm decodes UTF-8 itself, keeping sequences split across frames intact.
    terminal.write(bytes, () => {
      queued -= bytes.length;
      if (paused && queued < LOW_WATER_BYTES) {
        paused = false;
        options.onBackpressure(false);
      }
    });
    if (!paused && queued > HIGH_WATER_BYTES) {
      paused = true;
      options.onBackpressure(true);
    }
  };

  let resizeTimer: number | undefined;
  const fit = () => {
    try {
      fitAddon.fit();
    } catch {
      // Not laid out yet.
    }
  };
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(fit, 80);
  });
  fit();

  return {
    terminal,
    renderer,
    write,
    writeNotice: (text) => terminal.write(`\r\n\x1b[2m${text}\x1b[0m\r\n`),
    fit,
    focus: () => terminal.focus(),
    reset: () => {
      terminal.reset();
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
  };
}
