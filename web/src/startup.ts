// The page's start: once it has a token, a session on a target the link
// names in full first, then the pickers and the Reload panel; and again when
// a token arrives later (from the embedding portal).
import type { Pickers } from './pickers.js';
import type { ReloadPanel } from './reload-panel.js';
import type { SessionControl } from './session-control.js';
import type { StatusBar } from './status-bar.js';
import type { TokenStore } from './token.js';

/** How long the pickers wait for a linked session's first output before loading anyway. */
const PICKERS_WAIT_MS = 1000;

export interface StartupParts {
  tokens: TokenStore;
  pickers: Pickers;
  reload: ReloadPanel;
  session: SessionControl;
  statusBar: StatusBar;
  /** The page is in a portal's frame (`?embed=1`). */
  embedded: boolean;
  /** After a reload: comes back to the sessions the page had (true), in place of opening one. */
  resumeTabs?(): boolean;
}

export function startPage({ tokens, pickers, reload, session, statusBar, embedded, resumeTabs }: StartupParts): void {
  let starting: Promise<void> | undefined;

  async function start(options: { connectLinked: boolean }): Promise<void> {
    if (tokens.get() === undefined) {
      if (embedded && window.parent !== window) statusBar.show('Waiting for a token from the embedding page…', 'connecting');
      else if (embedded)
        statusBar.show(
          "Not signed in: this page is meant for a portal's frame, which hands it a token; alone, open it with #token=<jwt>.",
          'error',
        );
      else statusBar.show('Not signed in: open this page from your portal, or with #token=<jwt>.', 'error');
      return;
    }
    starting ??= (async () => {
      // A link that names the whole target (as the page's own links do) connects
      // at once; the pickers fill in after its first output instead of before.
      const resumed = options.connectLinked && (resumeTabs?.() ?? false);
      const linked = pickers.linked();
      if (linked !== undefined && options.connectLinked && !resumed) {
        session.connect(linked);
        // The pickers' REST calls would compete with the session's start on the gateway and the cluster.
        await Promise.race([session.firstSign, new Promise((resolve) => setTimeout(resolve, PICKERS_WAIT_MS))]);
      }
      await pickers.load();
      const refreshed = reload.refresh();
      if (linked === undefined && !resumed) {
        // Open a shell only where the user may; otherwise say what they may do.
        if (pickers.grants()?.exec === true && pickers.current().pod) session.connect();
        else session.showGuidance();
      }
      await refreshed;
    })().catch((error: unknown) => {
      starting = undefined;
      session.showError(error);
    });
    await starting;
  }

  tokens.onChange((token) => {
    if (session.useToken(token)) return;
    // Whatever the old token could not load is loaded now; a link's target is opened unless a session was tried.
    if (starting === undefined) void start({ connectLinked: !session.hasConnection() });
  });

  void start({ connectLinked: true });
}
