// The find bar over the terminal (Ctrl+Shift+F): searches the scrollback with
// the search addon; Enter finds the next match, Shift+Enter the previous one,
// Escape closes it and gives the keyboard back to the terminal.
import type { SearchAddon } from '@xterm/addon-search';
import { DisposableStore, listen, type Disposable } from './lifecycle.js';

export interface SearchBarElements {
  form: HTMLFormElement;
  input: HTMLInputElement;
  previous: HTMLButtonElement;
  close: HTMLButtonElement;
  count: HTMLElement;
}

export interface SearchBar extends Disposable {
  open(): void;
}

export function createSearchBar(elements: SearchBarElements, search: SearchAddon, returnFocus: () => void): SearchBar {
  const store = new DisposableStore();
  const options = {
    decorations: { matchOverviewRuler: '#888888', activeMatchColorOverviewRuler: '#2563eb', activeMatchBackground: '#2563eb' },
  };

  function find(backwards: boolean): void {
    const text = elements.input.value;
    if (text === '') return;
    const found = backwards ? search.findPrevious(text, options) : search.findNext(text, options);
    if (!found) elements.count.textContent = 'No match';
  }

  function close(): void {
    search.clearDecorations();
    elements.form.hidden = true;
    elements.count.textContent = '';
    returnFocus();
  }

  store.add(
    search.onDidChangeResults(({ resultIndex, resultCount }) => {
      elements.count.textContent = resultCount === 0 ? 'No match' : `${resultIndex + 1} of ${resultCount}`;
    }),
  );
  store.add(
    listen(elements.form, 'submit', (event) => {
      event.preventDefault();
      find(false);
    }),
  );
  store.add(
    listen(elements.input, 'keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close();
      } else if (event.key === 'Enter' && event.shiftKey) {
        event.preventDefault();
        find(true);
      }
    }),
  );
  store.add(listen(elements.previous, 'click', () => find(true)));
  store.add(listen(elements.close, 'click', close));

  return {
    open() {
      elements.form.hidden = false;
      elements.input.focus();
      elements.input.select();
    },
    dispose: () => store.dispose(),
  };
}
