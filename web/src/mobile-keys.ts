// On narrow screens, the keys a phone's keyboard lacks: Esc, a sticky Ctrl
// (the next letter typed becomes its control character), Tab and the arrows.
import { listen, DisposableStore, type Disposable } from './lifecycle.js';
import type { TerminalView } from './terminal-view.js';

/** What each key sends, as a terminal in normal cursor mode encodes it. */
export const KEY_SEQUENCES: Readonly<Record<string, string>> = {
  Escape: '\x1b',
  Tab: '\t',
  ArrowUp: '\x1b[A',
  ArrowDown: '\x1b[B',
  ArrowRight: '\x1b[C',
  ArrowLeft: '\x1b[D',
};

/** Ctrl with a letter: "c" → 0x03. Undefined for anything else. */
export function controlOf(text: string): string | undefined {
  return /^[a-zA-Z@[\\\]^_]$/.test(text) ? String.fromCharCode(text.toUpperCase().charCodeAt(0) & 0x1f) : undefined;
}

export function createMobileKeys(row: HTMLElement, view: TerminalView): Disposable {
  const store = new DisposableStore();
  const ctrl = row.querySelector<HTMLButtonElement>('[data-key="Control"]');
  let armed = false;
  const arm = (on: boolean) => {
    armed = on;
    ctrl?.setAttribute('aria-pressed', String(on));
  };
  store.add(
    listen(row, 'click', (event) => {
      const key = (event.target as HTMLElement).closest<HTMLButtonElement>('button')?.dataset.key;
      if (key === undefined) return;
      if (key === 'Control') arm(!armed);
      else {
        arm(false);
        view.terminal.input(KEY_SEQUENCES[key] ?? '', true);
      }
      view.focus();
    }),
  );
  const textarea = view.terminal.textarea;
  if (textarea !== undefined) {
    store.add(
      listen(textarea, 'beforeinput', (event) => {
        const control = armed ? controlOf((event as InputEvent).data ?? '') : undefined;
        if (control === undefined) return;
        event.preventDefault();
        arm(false);
        view.terminal.input(control, true);
      }),
    );
    // A hardware key, caught before xterm sees it (capture on an ancestor).
    const host = view.terminal.element;
    const onKey = (event: KeyboardEvent) => {
      const control = armed && !event.ctrlKey && !event.altKey && !event.metaKey ? controlOf(event.key) : undefined;
      if (control === undefined) return;
      event.preventDefault();
      event.stopPropagation();
      arm(false);
      view.terminal.input(control, true);
    };
    host?.addEventListener('keydown', onKey, true);
    store.add({ dispose: () => host?.removeEventListener('keydown', onKey, true) });
  }
  return store;
}
