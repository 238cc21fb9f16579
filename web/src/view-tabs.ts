// The Shell and Logs tabs over the main area: a WAI-ARIA tab list (arrow
// keys, Home and End move between tabs) and Ctrl+Shift+L from anywhere,
// the terminal included, to go to the other view.
import { DisposableStore, listen, type Disposable } from './lifecycle.js';

export const VIEWS = ['shell', 'logs'] as const;
export type ViewName = (typeof VIEWS)[number];

export interface ViewTab {
  tab: HTMLButtonElement;
  panel: HTMLElement;
}

export interface ViewTabs extends Disposable {
  select(view: ViewName, focusTab?: boolean): void;
  current(): ViewName;
}

/** `shown` hears of each view shown; `onTabs` when the keyboard is on the tab list (the view must not take the focus). */
export function createViewTabs(
  tabs: Record<ViewName, ViewTab>,
  shown: (view: ViewName, onTabs: boolean) => void,
  { shortcut }: { shortcut: boolean },
): ViewTabs {
  const store = new DisposableStore();
  let current: ViewName = 'shell';

  function select(view: ViewName, focusTab = false): void {
    current = view;
    for (const name of VIEWS) {
      const { tab, panel } = tabs[name];
      const on = name === view;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      // A hidden panel keeps its size (the terminal is not refitted for it) but takes no focus.
      panel.classList.toggle('view-hidden', !on);
      panel.inert = !on;
    }
    if (focusTab) tabs[view].tab.focus();
    shown(view, focusTab);
  }

  for (const [index, name] of VIEWS.entries()) {
    const { tab } = tabs[name];
    store.add(listen(tab, 'click', () => select(name)));
    store.add(
      listen(tab, 'keydown', (event) => {
        const next: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: VIEWS.length - 1 };
        const to = next[event.key];
        if (to === undefined) return;
        event.preventDefault();
        select(VIEWS[(to + VIEWS.length) % VIEWS.length]!, true);
      }),
    );
  }
  // Capture: the terminal would otherwise take the keys first.
  const onKey = (event: KeyboardEvent) => {
    if (!(event.ctrlKey && event.shiftKey && event.code === 'KeyL')) return;
    event.preventDefault();
    event.stopPropagation();
    select(current === 'logs' ? 'shell' : 'logs');
  };
  if (shortcut) {
    window.addEventListener('keydown', onKey, true);
    store.add({ dispose: () => window.removeEventListener('keydown', onKey, true) });
  }

  return { select, current: () => current, dispose: () => store.dispose() };
}
