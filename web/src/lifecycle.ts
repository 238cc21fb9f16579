// Disposables: every listener and timer a session or a view sets up is tied to
// a store, so closing the session leaves nothing behind (xterm.js Lifecycle.ts).

export interface Disposable {
  dispose(): void;
}

/** Collects disposables and disposes them all at once, in reverse order. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  dispose(): void {
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) item.dispose();
  }
}

/** addEventListener, undone by dispose(). */
export function listen<K extends keyof WindowEventMap>(target: Window, type: K, handler: (event: WindowEventMap[K]) => void): Disposable;
export function listen<K extends keyof HTMLElementEventMap>(
  target: HTMLElement,
  type: K,
  handler: (event: HTMLElementEventMap[K]) => void,
): Disposable;
export function listen(target: EventTarget, type: string, handler: (event: Event) => void): Disposable;
export function listen(target: EventTarget, type: string, handler: (event: never) => void): Disposable {
  const listener = handler as unknown as EventListener;
  target.addEventListener(type, listener);
  return { dispose: () => target.removeEventListener(type, listener) };
}

/** setTimeout, cancelled by dispose(). */
export function timeout(callback: () => void, ms: number): Disposable {
  const id = window.setTimeout(callback, ms);
  return { dispose: () => window.clearTimeout(id) };
}

/** A subscription to one kind of event, undone by dispose() (xterm.js's IEvent). */
export type Listenable<T> = (listener: (value: T) => void) => Disposable;

/** The source of one kind of event: `event` subscribes, `fire` calls every listener still subscribed. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();

  readonly event: Listenable<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    // A listener may unsubscribe another (a new session detaching the old one): it is not called after that.
    for (const listener of [...this.listeners]) if (this.listeners.has(listener)) listener(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
