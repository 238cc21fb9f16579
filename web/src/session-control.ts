// The terminal session as the page controls it: connecting to the chosen
// target, following the connection's state on the status line and in the
// terminal, telling an embedding portal, and saying what the user may do
// while no session runs.
import { ApiError, type Api } from './api.js';
import { attachTerminal } from './attach-terminal.js';
import type { EmbedBridge } from './embed.js';
import type { ResumePoint } from './exec-url.js';
import { DisposableStore, type Disposable } from './lifecycle.js';
import type { Pickers, Selection } from './pickers.js';
import { describe, describeError, isFinished, type StatusBar } from './status-bar.js';
import type { ConnectionState } from './connection-state.js';
import { TerminalConnection } from './terminal-connection.js';
import { targetGuidance, userName } from './target-guidance.js';
import type { TerminalView } from './terminal-view.js';
import type { TokenStore } from './token.js';

/** What a session needs of its terminal (a tab's share of the page's one terminal). */
export type SessionView = Pick<
  TerminalView,
  'write' | 'writeNotice' | 'reset' | 'fit' | 'focus' | 'onData' | 'onResize' | 'onBackpressure' | 'size' | 'backpressured'
>;

export interface SessionParts {
  view: SessionView;
  statusBar: StatusBar;
  bridge: EmbedBridge;
  pickers: Pickers;
  api: Api;
  tokens: TokenStore;
  /** The page is in a portal's frame (`?embed=1`). */
  embedded: boolean;
  /** The container has no shell to exec (a distroless image): `message` is the cluster's words. */
  onNoShell?(target: SessionTarget, message: string): void;
  /** A new session starts, on `target`: whatever was said about the last one goes. */
  onConnect?(target: SessionTarget): void;
  /** The session's state changed (the sharing controls follow it). */
  onStateChange?(state: ConnectionState): void;
  /** Who watches the shared session now. */
  onWatchers?(users: string[]): void;
}

/** What a session opens: the pickers' choice, attached to (a debug container) or with a command or shell started in it. */
export type SessionTarget = Selection & { attach?: boolean };

/**
 * Whether a failed login shell means the container has no shell at all: the
 * exec of `sh` could not start (exec_failed, or the cluster's "executable
 * file not found" for sh or bash).
 */
export function isNoShell(state: ConnectionState): boolean {
  if (state.kind !== 'error') return false;
  const notFound = /executable file not found|no such file or directory/i.test(state.message);
  return notFound && (state.code === 'exec_failed' || /\b(sh|bash)\b/.test(state.message));
}

export interface SessionControl {
  /** Opens a session on `target` (the pickers' choice by default) in place of any other, or says why it cannot. */
  connect(target?: SessionTarget): void;
  /** Skips the rest of a reconnect's backoff wait. */
  retryNow(): void;
  /**
   * A fresh token: an open session takes it (true: nothing else to do);
   * a session refused with 401 is tried again with it.
   */
  useToken(token: string): boolean;
  hasConnection(): boolean;
  state(): ConnectionState;
  /** Resolves at the first sign of the first session (output, or an end). */
  readonly firstSign: Promise<void>;
  /** Says what the user may do on the chosen target, while no session runs; a portal hears of a refusal. */
  showGuidance(): void;
  /** Shows a failure of the REST API and tells an embedding portal (it may refresh the token). */
  showError(error: unknown): void;
  /** Ctrl+Shift+M: says where Tab goes now. */
  showTabMode(tabMovesFocus: boolean): void;
  /** Shares the open session with viewers granted `watch`, or stops (its viewers are closed); false when no session is open. */
  share(enabled: boolean): boolean;
  /** Ends the session from this side, saying nothing (a viewer takes the terminal). */
  disconnect(): void;
  /** Comes back to a session this page held before a reload: `screen` is the output it had, `point` where it stopped. */
  resume(target: SessionTarget, point: ResumePoint, screen: Uint8Array): void;
  /** The session to come back to after a reload, if one runs. */
  resumePoint(): ResumePoint | undefined;
  /** What the session was opened on, if one was. */
  target(): SessionTarget | undefined;
  /** The terminal is this session's again (a tab shown) or no longer (hidden): its size goes out, and no pause is left in force. */
  resync(): void;
}

export function createSessionControl(parts: SessionParts): SessionControl {
  const { view, statusBar, bridge, pickers, api, tokens, embedded } = parts;
  let connection: TerminalConnection | undefined;
  /** What the current connection opened, and whether it is a login shell (no command, no attach). */
  let opened: { target: SessionTarget; shell: boolean } | undefined;
  /** The data path and the listeners of the current connection. */
  let attachment: Disposable | undefined;
  let state: ConnectionState = { kind: 'idle' };
  let sessionShowedUp!: () => void;
  const firstSign = new Promise<void>((resolve) => (sessionShowedUp = resolve));
  /** Counts the backoff wait down on the status line while a reconnect waits. */
  let countdown: ReturnType<typeof setInterval> | undefined;

  function showState(current: ConnectionState): void {
    const { text, kind } = describe(current);
    statusBar.show(text, kind, current.kind === 'reconnecting' ? 'reconnect-now' : isFinished(current) ? 'new-session' : 'none');
  }

  function onState(next: ConnectionState): void {
    const previous = state;
    state = next;
    if (isFinished(next)) sessionShowedUp();
    clearInterval(countdown);
    countdown = undefined;
    showState(next);
    parts.onStateChange?.(next);
    const { text } = describe(next);
    switch (next.kind) {
      case 'connected': {
        const s = next.session;
        bridge.post({ type: 'connected', cluster: s.cluster, namespace: s.namespace, pod: s.pod, container: s.container });
        return;
      }
      case 'exited':
        view.writeNotice(`[exited with code ${next.code}; press Enter for a new session]`);
        bridge.post({ type: 'exit', code: next.code });
        return;
      case 'error':
        view.writeNotice(`[${text}]`);
        bridge.post({ type: 'error', status: next.status, message: next.message, ...(next.code === undefined ? {} : { code: next.code }) });
        if (opened?.shell === true && isNoShell(next)) {
          statusBar.show(
            `No shell in ${opened.target.pod} / ${opened.target.container}: its image has neither bash nor sh.`,
            'error',
            true,
          );
          parts.onNoShell?.(opened.target, next.message);
        }
        return;
      case 'closed':
        view.writeNotice(`[${text}]`);
        bridge.post({ type: 'error', status: 0, message: next.reason });
        return;
      case 'reconnecting':
        if (previous.kind !== 'reconnecting' && previous.kind !== 'connecting') view.writeNotice(`[${next.reason}; reconnecting…]`);
        countdown = setInterval(() => {
          if (state === next) showState(next);
        }, 250);
        return;
      case 'idle':
      case 'connecting':
        return;
      default: {
        const unexpected: never = next;
        void unexpected;
      }
    }
  }

  function onNotice(message: string, code: string | undefined): void {
    statusBar.show(message, 'notice');
    // Resuming is seamless: the terminal's own text must not be interrupted for it.
    if (code !== 'resumed') view.writeNotice(`[${message}]`);
    bridge.post({ type: 'notice', message, ...(code === undefined ? {} : { code }) });
  }

  function showGuidance(): void {
    // Before the pickers have loaded there is nothing to say about the target yet.
    if (!pickers.loaded()) return;
    if (connection !== undefined && !isFinished(state) && state.kind !== 'idle') return;
    const { text, kind, refusal } = targetGuidance(userName(tokens.get()), pickers);
    statusBar.show(text, kind);
    if (refusal !== undefined) bridge.post({ type: 'error', status: refusal.status, code: refusal.code, message: text });
  }

  async function diagnose() {
    try {
      await api.clusters();
      return undefined;
    } catch (error) {
      return error instanceof ApiError && error.status !== 0
        ? { status: error.status, message: error.message, code: error.code }
        : undefined;
    }
  }

  function connect(chosen: SessionTarget = pickers.current(), from?: { point: ResumePoint; screen: Uint8Array }): void {
    const target: SessionTarget = { ...chosen, attach: chosen.attach ?? pickers.isEphemeral(chosen.pod, chosen.container) };
    if (!target.cluster || !target.namespace || !target.pod) {
      showGuidance();
      return;
    }
    if (pickers.grants()?.exec === false && target.namespace === pickers.current().namespace) {
      // The policy is known to refuse it: say so without asking the cluster.
      showGuidance();
      return;
    }
    // Events of a replaced connection are dropped: only the current one speaks.
    attachment?.dispose();
    connection?.close();
    view.reset();
    view.fit();
    if (from !== undefined) view.write(from.screen);
    const command = pickers.command.length > 0 && target.attach !== true ? pickers.command : undefined;
    opened = { target, shell: command === undefined && target.attach !== true };
    parts.onConnect?.(target);
    const current = new TerminalConnection({ ...target, command }, () => tokens.get(), diagnose, from?.point);
    const store = new DisposableStore();
    store.add(attachTerminal(view, current));
    store.add(current.onOutput(() => sessionShowedUp()));
    store.add(current.onState(onState));
    store.add(current.onNotice(({ message, code }) => onNotice(message, code)));
    store.add(current.onWatchers((users) => parts.onWatchers?.(users)));
    attachment = store;
    connection = current;
    current.open();
    // In a portal's frame, the portal decides when the terminal takes the keyboard (the `focus` message).
    if (!embedded) view.focus();
  }

  // After an exit or a failure (or before any session), Enter starts a new session.
  view.onData((data) => {
    if ((isFinished(state) || state.kind === 'idle') && data === '\r') connect();
  });

  return {
    connect,
    retryNow: () => connection?.retryNow(),
    useToken(token) {
      // A fresh token keeps an open session alive.
      if (connection?.isOpen) {
        connection.send({ type: 'token', token });
        return true;
      }
      // After a 401 the same target is tried again with it.
      if (state.kind === 'error' && state.status === 401 && connection !== undefined) connection.open();
      return false;
    },
    hasConnection: () => connection !== undefined,
    state: () => state,
    firstSign,
    showGuidance,
    showError(error) {
      if (error instanceof ApiError) {
        statusBar.show(describeError(error.status, error.message, error.code), 'error');
        bridge.post({ type: 'error', status: error.status, code: error.code, message: error.message });
        return;
      }
      statusBar.show(`Error: ${String(error)}`, 'error');
    },
    share(enabled) {
      if (connection?.isOpen !== true) return false;
      connection.send({ type: 'share', enabled });
      return true;
    },
    resume: (target, point, screen) => connect(target, { point, screen }),
    resumePoint: () => connection?.resumePoint(),
    target: () => opened?.target,
    resync() {
      if (connection?.isOpen !== true) return;
      const { cols, rows } = view.size();
      connection.send({ type: 'resize', cols, rows });
      connection.send({ type: view.backpressured() ? 'pause' : 'resume' });
    },
    disconnect() {
      attachment?.dispose();
      attachment = undefined;
      connection?.close();
      connection = undefined;
      opened = undefined;
      state = { kind: 'idle' };
      parts.onStateChange?.(state);
    },
    showTabMode(tabMovesFocus) {
      const { text, kind } = describe(state);
      statusBar.show(
        `${text} ${tabMovesFocus ? 'Tab now moves the focus (Ctrl+Shift+M gives it back to the shell).' : 'Tab goes to the shell again.'}`,
        kind,
        isFinished(state),
      );
    },
  };
}
