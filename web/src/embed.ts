// Embedding: the page in an iframe of a portal. It tells the parent what
// happens (ready, connected, exit, error) and takes token, resize and focus
// from it, only from the parent window and only from the parent's origin.

export type ParentEvent =
  | { type: 'ready' }
  | { type: 'connected'; cluster: string; namespace: string; pod: string; container: string }
  | { type: 'exit'; code: number }
  | { type: 'error'; status: number; message: string };

export interface EmbedHandlers {
  token(token: string): void;
  resize(): void;
  focus(): void;
}

/**
 * The parent's origin: `?parentOrigin=` when the portal names itself, else
 * the origin of the referrer (the embedding page). Undefined when not embedded
 * or unknown: then nothing is posted and nothing accepted.
 */
export function parentOrigin(): string | undefined {
  if (window.parent === window) return undefined;
  const named = new URLSearchParams(window.location.search).get('parentOrigin');
  try {
    if (named) return new URL(named).origin;
    if (document.referrer) return new URL(document.referrer).origin;
  } catch {
    return undefined;
  }
  return undefined;
}

export function createEmbedBridge(handlers: EmbedHandlers) {
  const origin = parentOrigin();
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (origin === undefined || event.source !== window.parent || event.origin !== origin) return;
    const data = event.data as { type?: unknown; token?: unknown } | null;
    if (data === null || typeof data !== 'object') return;
    if (data.type === 'token' && typeof data.token === 'string' && data.token.length > 0) handlers.token(data.token);
    else if (data.type === 'resize') handlers.resize();
    else if (data.type === 'focus') handlers.focus();
  });
  return {
    post(event: ParentEvent): void {
      if (origin !== undefined) window.parent.postMessage(event, origin);
    },
  };
}
