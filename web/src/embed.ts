// Embedding: the page in an iframe of a portal. It tells the parent what
// happens (ready, connected, exit, error, notice) and takes token, resize and
// focus from it: only from the parent window, and only from the parent's origin.
import { listen, type Disposable } from './lifecycle.js';

export type ParentEvent =
  | { type: 'ready' }
  | { type: 'connected'; cluster: string; namespace: string; pod: string; container: string }
  | { type: 'exit'; code: number }
  /** status 0: no HTTP status, the connection was lost and retries gave up; code: the gateway's error code, when it gave one. */
  | { type: 'error'; status: number; message: string; code?: string }
  /** e.g. code "token_expiring": send a fresh token. */
  | { type: 'notice'; message: string; code?: string };

export interface EmbedHandlers {
  token(token: string): void;
  resize(): void;
  focus(): void;
}

export interface EmbedBridge extends Disposable {
  /** The parent's origin, when the page is embedded and knows it. */
  readonly origin: string | undefined;
  post(event: ParentEvent): void;
}

function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * The parent's origin. The page cannot know the gateway's allowedOrigins, but
 * the gateway's CSP frame-ancestors already keeps every other site from
 * framing it, so the parent is trusted for what it is, and only its origin is
 * needed: the browser's `location.ancestorOrigins` (Chromium, Safari) when
 * present, which cannot be forged; else `?parentOrigin=`; else the referrer's
 * origin. A `?parentOrigin=` that disagrees with ancestorOrigins disables the
 * bridge. Undefined when not embedded or unknown: nothing is posted or accepted.
 */
export function findParentOrigin(): string | undefined {
  if (window.parent === window) return undefined;
  const named = new URLSearchParams(window.location.search).get('parentOrigin');
  const namedOrigin = named ? originOf(named) : undefined;
  const ancestors = window.location.ancestorOrigins as DOMStringList | undefined;
  const actual = ancestors !== undefined && ancestors.length > 0 ? originOf(ancestors.item(0) ?? '') : undefined;
  if (actual !== undefined) return namedOrigin === undefined || namedOrigin === actual ? actual : undefined;
  if (named) return namedOrigin;
  return document.referrer ? originOf(document.referrer) : undefined;
}

export function createEmbedBridge(handlers: EmbedHandlers): EmbedBridge {
  const origin = findParentOrigin();
  const subscription = listen(window, 'message', (event: MessageEvent<unknown>) => {
    // Both checks: the message comes from our parent window, and that window is on the expected origin.
    if (origin === undefined || event.source !== window.parent || event.origin !== origin) return;
    const data = event.data as { type?: unknown; token?: unknown } | null;
    if (data === null || typeof data !== 'object') return;
    if (data.type === 'token' && typeof data.token === 'string' && data.token.length > 0 && data.token.length <= 8192)
      handlers.token(data.token);
    else if (data.type === 'resize') handlers.resize();
    else if (data.type === 'focus') handlers.focus();
  });
  return {
    origin,
    post(event: ParentEvent): void {
      // Never '*': events name the target, and only the parent's origin may read them.
      if (origin !== undefined) window.parent.postMessage(event, origin);
    },
    dispose: () => subscription.dispose(),
  };
}
