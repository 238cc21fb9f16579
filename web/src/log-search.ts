// Find in the Logs view: highlights every match in the lines the page keeps
// (lines that arrive later too), and moves to the next or previous one;
// Enter finds the next, Shift+Enter the previous, Escape clears.
import { DisposableStore, listen, type Disposable } from './lifecycle.js';

export interface LogSearchElements {
  form: HTMLFormElement;
  input: HTMLInputElement;
  previous: HTMLButtonElement;
  count: HTMLElement;
}

export interface LogSearch extends Disposable {
  /** Highlights the query in lines just added. */
  mark(lines: readonly HTMLElement[]): void;
  /** Removes every highlight and the query. */
  clear(): void;
}

/** Replaces `line`'s text with the same text, each match of `query` (lower case) in a <mark>. */
function highlight(line: HTMLElement, query: string): void {
  const text = line.textContent ?? '';
  if (query === '' || !text.toLowerCase().includes(query)) {
    if (line.childElementCount > 0) line.textContent = text;
    return;
  }
  const lower = text.toLowerCase();
  const parts: Node[] = [];
  let from = 0;
  for (let at = lower.indexOf(query); at !== -1; at = lower.indexOf(query, at + query.length)) {
    if (at > from) parts.push(document.createTextNode(text.slice(from, at)));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(at, at + query.length);
    parts.push(mark);
    from = at + query.length;
  }
  if (from < text.length) parts.push(document.createTextNode(text.slice(from)));
  line.replaceChildren(...parts);
}

export function createLogSearch(elements: LogSearchElements, lines: HTMLElement): LogSearch {
  const store = new DisposableStore();
  let query = '';

  function marks(): HTMLElement[] {
    return [...lines.querySelectorAll<HTMLElement>('mark')];
  }

  function showCount(all: HTMLElement[], current: HTMLElement | undefined): void {
    if (query === '') elements.count.textContent = '';
    else if (all.length === 0) elements.count.textContent = 'No match';
    else elements.count.textContent = current === undefined ? `${all.length} matches` : `${all.indexOf(current) + 1} of ${all.length}`;
  }

  function apply(): void {
    query = elements.input.value.toLowerCase();
    for (const line of lines.children) highlight(line as HTMLElement, query);
  }

  /** Moves to the next (or previous) match, from the current one or from the end. */
  function go(backwards: boolean): void {
    if (elements.input.value.toLowerCase() !== query) apply();
    const all = marks();
    const current = all.find((m) => m.classList.contains('current'));
    current?.classList.remove('current');
    if (all.length === 0) {
      showCount(all, undefined);
      return;
    }
    const at = current === undefined ? (backwards ? all.length : -1) : all.indexOf(current);
    const next = all[(at + (backwards ? -1 : 1) + all.length) % all.length]!;
    next.classList.add('current');
    next.scrollIntoView({ block: 'center' });
    showCount(all, next);
  }

  function clear(): void {
    elements.input.value = '';
    apply();
    showCount([], undefined);
  }

  store.add(
    listen(elements.form, 'submit', (event) => {
      event.preventDefault();
      go(false);
    }),
  );
  store.add(
    listen(elements.input, 'keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        clear();
      } else if (event.key === 'Enter' && event.shiftKey) {
        event.preventDefault();
        go(true);
      }
    }),
  );
  store.add(listen(elements.previous, 'click', () => go(true)));

  return {
    mark(added) {
      if (query === '') return;
      for (const line of added) highlight(line, query);
      const all = marks();
      showCount(
        all,
        all.find((m) => m.classList.contains('current')),
      );
    },
    clear,
    dispose: () => store.dispose(),
  };
}
