// The limits of one session on the clock, with the notices the page shows
// before each: idle timeout, maximum duration, and the token's expiry.
import type { ServerMessage } from '../../../shared/protocol.js';
import type { Principal } from '../../core/principal.js';
import { GatewayError, toGatewayError } from '../../errors.js';
import { SessionLimits } from '../session-limits.js';
import type { SessionSettings } from './types.js';

/** The token's clock: a warning before it expires, the end when it does. */
interface ExpiryEvents {
  warn(secondsLeft: number): void;
  expire(): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

class TokenExpiry {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly warningSeconds: number,
    private readonly events: ExpiryEvents,
  ) {}

  /** Arms the clock for a token that expires at `expiresAt` (ms since the epoch). */
  schedule(expiresAt: number): void {
    this.stop();
    const remaining = expiresAt - Date.now();
    if (remaining > MAX_TIMER_MS) {
      // setTimeout cannot wait longer than ~24.8 days: look again then.
      this.timers = [setTimeout(() => this.schedule(expiresAt), MAX_TIMER_MS)];
      return;
    }
    this.timers = [setTimeout(() => this.events.expire(), Math.max(0, remaining))];
    const warnIn = remaining - this.warningSeconds * 1000;
    if (warnIn > 0 && this.warningSeconds > 0) this.timers.push(setTimeout(() => this.events.warn(this.warningSeconds), warnIn));
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}

export interface ClockEvents {
  notice(message: ServerMessage): void;
  expire(failure: GatewayError): void;
}

export class SessionClocks {
  private readonly limits: SessionLimits;
  private readonly expiry: TokenExpiry;

  constructor(settings: SessionSettings, events: ClockEvents) {
    this.limits = new SessionLimits(settings, {
      warn: (what, secondsLeft) =>
        events.notice({
          type: 'notice',
          code: what === 'idle' ? 'idle_warning' : 'time_limit_warning',
          message:
            what === 'idle'
              ? `this session ends in ${secondsLeft} s unless you type something`
              : `this session reaches its time limit in ${secondsLeft} s`,
        }),
      expire: (what) =>
        events.expire(
          what === 'idle'
            ? new GatewayError('idle_timeout', `the session ended after ${Math.round(settings.idleTimeoutMs / 1000)} s without input`)
            : new GatewayError(
                'session_time_limit',
                `the session reached its time limit of ${Math.round(settings.maxDurationMs / 1000)} s`,
              ),
        ),
    });
    this.expiry = new TokenExpiry(settings.expiryWarningSeconds, {
      warn: (seconds) => events.notice({ type: 'notice', code: 'token_expiring', message: `your token expires in ${seconds} s` }),
      expire: () => events.expire(new GatewayError('token_expired', 'your token expired; sign in again to open a new session')),
    });
  }

  /** Input from the user: the idle clock starts again. */
  activity(): void {
    this.limits.activity();
  }

  /** The token that bounds the session now (the first, a refreshed or a resuming browser's). */
  tokenExpiresAt(expiresAt: number): void {
    this.expiry.schedule(expiresAt);
  }

  stop(): void {
    this.limits.stop();
    this.expiry.stop();
  }
}

/**
 * The principal of a refreshed token, when it verifies and names the same
 * user; otherwise the page is told why, and the session's clock stays.
 */
export async function verifyRefreshedToken(
  token: string,
  current: Principal,
  verify: (token: string) => Promise<Principal>,
  notice: (message: ServerMessage) => void,
): Promise<Principal | undefined> {
  try {
    const principal = await verify(token);
    if (principal.sub === current.sub) return principal;
    notice({ type: 'notice', code: 'forbidden', message: 'a refreshed token must belong to the same user' });
  } catch (error) {
    const failure = toGatewayError(error);
    notice({ type: 'notice', code: failure.code, message: `refreshed token refused: ${failure.message}` });
  }
  return undefined;
}
