// The user's token: handed over in `#token=` (read, then removed from the
// address bar at once) or by the embedding page. Kept for this tab only, and
// sent only in the bearer subprotocol or the Authorization header.

const STORAGE_KEY = 'webterm.token';

export interface TokenStore {
  get(): string | undefined;
  set(token: string): void;
  /** Called when a new token arrives (embedding page refresh). */
  onChange(listener: (token: string) => void): void;
}

/** Takes `#token=` out of the address bar, keeping the rest of the URL. */
function takeTokenFromHash(): string | undefined {
  const hash = new URLSearchParams(window.location.hash.slice(1));
  const token = hash.get('token') ?? undefined;
  if (token === undefined) return undefined;
  hash.delete('token');
  const rest = hash.toString();
  history.replaceState(history.state, '', `${window.location.pathname}${window.location.search}${rest === '' ? '' : `#${rest}`}`);
  return token;
}

export function createTokenStore(): TokenStore {
  const listeners: Array<(token: string) => void> = [];
  let token = takeTokenFromHash();
  try {
    if (token !== undefined) sessionStorage.setItem(STORAGE_KEY, token);
    else token = sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    // Storage may be blocked in a third-party iframe: memory is enough.
  }
  return {
    get: () => token,
    set(next) {
      token = next;
      try {
        sessionStorage.setItem(STORAGE_KEY, next);
      } catch {
        // See above.
      }
      for (const listener of listeners) listener(next);
    },
    onChange: (listener) => void listeners.push(listener),
  };
}
