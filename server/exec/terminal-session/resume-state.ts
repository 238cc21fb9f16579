// What a session keeps for a browser that dropped: the latest output, the
// grace period it may come back in, and an exit status that came meanwhile.
import { DROP_CLOSE_CODES } from '../../../shared/errors.js';
import { ReplayBuffer } from '../replay-buffer.js';

export interface ResumeSettings {
  /** How long a browser that dropped without closing may come back; 0: no resume. */
  resumeGraceMs: number;
  /** Latest output kept for a resuming browser. */
  replayBufferBytes: number;
}

export class ResumeState {
  readonly replay: ReplayBuffer;
  /** The exit status that came while the browser was away: given to it when it comes back. */
  pendingExit: number | undefined;
  /** Times a browser came back. */
  resumes = 0;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: ResumeSettings) {
    this.replay = new ReplayBuffer(settings.resumeGraceMs > 0 ? settings.replayBufferBytes : 0);
  }

  /** Whether a browser that closed with `code` dropped (kept for resume) rather than ended the session. */
  keepsFor(code: number): boolean {
    return this.settings.resumeGraceMs > 0 && DROP_CLOSE_CODES.has(code);
  }

  /** The replay buffer is full: the process's output must wait for the browser. */
  get full(): boolean {
    return this.replay.size >= this.settings.replayBufferBytes;
  }

  get graceSeconds(): number {
    return this.settings.resumeGraceMs / 1000;
  }

  /** The browser dropped: `expire` runs unless one comes back within the grace period. */
  startGrace(expire: () => void): void {
    this.graceTimer = setTimeout(expire, this.settings.resumeGraceMs);
    this.graceTimer.unref();
  }

  /** A browser came back: the output from `offset` on, or undefined when the offset is beyond the output. */
  comeBack(offset: number): { chunks: Buffer[]; lostBytes: number } | undefined {
    const replay = this.replay.since(offset);
    if (replay === undefined) return undefined;
    this.stop();
    this.resumes += 1;
    return replay;
  }

  stop(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }
}
