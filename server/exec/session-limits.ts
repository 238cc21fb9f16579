// The clock of one session: idle timeout (with a warning first) and maximum
// duration. One timer at a time; keystrokes only record a time, so typing
// costs no timer churn.

export interface LimitSettings {
  /** No input for this long ends the session; 0: never. */
  idleTimeoutMs: number;
  /** Warn this long before the idle timeout or the maximum duration. */
  warningMs: number;
  /** The session ends this long after it started; 0: never. */
  maxDurationMs: number;
}

export interface LimitEvents {
  warn(what: 'idle' | 'duration', secondsLeft: number): void;
  expire(what: 'idle' | 'duration'): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class SessionLimits {
  private lastActivity = Date.now();
  private readonly deadline: number;
  private timer: NodeJS.Timeout | undefined;
  private warnedIdleAt = -1;
  private warnedDuration = false;
  private stopped = false;

  constructor(
    private readonly settings: LimitSettings,
    private readonly events: LimitEvents,
    startedAt = Date.now(),
  ) {
    this.deadline = settings.maxDurationMs > 0 ? startedAt + settings.maxDurationMs : Infinity;
    this.arm();
  }

  /** Input from the user: the idle clock starts again. */
  activity(): void {
    this.lastActivity = Date.now();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    const { idleTimeoutMs, warningMs } = this.settings;
    const now = Date.now();
    const idleAt = idleTimeoutMs > 0 ? this.lastActivity + idleTimeoutMs : Infinity;
    const moments = [idleAt, this.deadline];
    if (idleAt !== Infinity && this.warnedIdleAt !== this.lastActivity) moments.push(idleAt - warningMs);
    if (this.deadline !== Infinity && !this.warnedDuration) moments.push(this.deadline - warningMs);
    const next = Math.min(...moments);
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.check(), Math.min(MAX_TIMER_MS, Math.max(0, next - now)));
    this.timer.unref();
  }

  private check(): void {
    if (this.stopped) return;
    const { idleTimeoutMs, warningMs } = this.settings;
    const now = Date.now();
    if (now >= this.deadline) return this.expire('duration');
    if (idleTimeoutMs > 0) {
      const idleAt = this.lastActivity + idleTimeoutMs;
      if (now >= idleAt) return this.expire('idle');
      if (warningMs > 0 && now >= idleAt - warningMs && this.warnedIdleAt !== this.lastActivity) {
        this.warnedIdleAt = this.lastActivity;
        this.events.warn('idle', Math.ceil((idleAt - now) / 1000));
      }
    }
    if (warningMs > 0 && this.deadline !== Infinity && !this.warnedDuration && now >= this.deadline - warningMs) {
      this.warnedDuration = true;
      this.events.warn('duration', Math.ceil((this.deadline - now) / 1000));
    }
    this.arm();
  }

  private expire(what: 'idle' | 'duration'): void {
    this.stopped = true;
    this.events.expire(what);
  }
}
