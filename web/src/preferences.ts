// The user's comforts, remembered per browser (localStorage): the terminal's
// font size and a light or dark theme (or the system's).
import { listen, DisposableStore, type Disposable } from './lifecycle.js';
import type { TerminalView } from './terminal-view.js';

const FONT_KEY = 'webterm.fontSize';
const THEME_KEY = 'webterm.theme';
export const FONT_SIZES = [11, 12, 13, 14, 16, 18, 20, 24] as const;

export type Theme = 'light' | 'dark';

function read(key: string): string | undefined {
  try {
    return localStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage may be blocked (a third-party frame): the choice lasts this page only.
  }
}

/** A stored font size, if it is one of the offered sizes. */
export function parseFontSize(stored: string | undefined): number | undefined {
  const size = Number(stored);
  return (FONT_SIZES as readonly number[]).includes(size) ? size : undefined;
}

export function createPreferences(
  elements: { fontSize: HTMLSelectElement; theme: HTMLButtonElement },
  view: TerminalView,
  systemDark: () => boolean,
): Disposable {
  const store = new DisposableStore();
  const { fontSize, theme } = elements;
  fontSize.replaceChildren(...FONT_SIZES.map((size) => new Option(`${size} px`, String(size))));
  fontSize.value = String(parseFontSize(read(FONT_KEY)) ?? 14);
  view.fontSize(Number(fontSize.value));
  const stored = read(THEME_KEY);
  let current: Theme | undefined = stored === 'light' || stored === 'dark' ? stored : undefined;

  function apply(): void {
    const shown = current ?? (systemDark() ? 'dark' : 'light');
    if (current === undefined) delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = current;
    view.colorScheme(current);
    theme.textContent = shown === 'dark' ? 'Light theme' : 'Dark theme';
    theme.setAttribute('aria-label', `Switch to the ${shown === 'dark' ? 'light' : 'dark'} theme`);
  }
  apply();

  store.add(
    listen(fontSize, 'change', () => {
      write(FONT_KEY, fontSize.value);
      view.fontSize(Number(fontSize.value));
    }),
  );
  store.add(
    listen(theme, 'click', () => {
      current = (current ?? (systemDark() ? 'dark' : 'light')) === 'dark' ? 'light' : 'dark';
      write(THEME_KEY, current);
      apply();
    }),
  );
  return store;
}
