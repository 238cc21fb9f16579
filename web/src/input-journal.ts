// The stdin of one session as the page sent it. A connection can drop with
// keystrokes still in flight; when the page resumes, the gateway says how many
// input bytes it got and the journal gives back the ones that came after.
// Input typed while no session is connected waits here until one is.

/** Sent input kept for a resend: far more than anyone types between two drops. */
const KEEP_SENT_BYTES = 1024 * 1024;
/** Input held while disconnected: a paste or some typing, not a file. */
const HOLD_BYTES = 64 * 1024;

export interface ResumedInput {
  /** Input the gateway did not get, to send again before anything new. */
  resend: Uint8Array[];
  /** Input the gateway did not get that is no longer kept. */
  lostBytes: number;
}

export class InputJournal {
  private sent: Uint8Array[] = [];
  /** Offsets, in the session's input, of the first byte kept and of the end; undefined: not known (a reloaded page). */
  private start: number | undefined = 0;
  private end: number | undefined = 0;
  private held: Uint8Array[] = [];
  private heldBytes = 0;

  constructor(
    private readonly keepSentBytes = KEEP_SENT_BYTES,
    private readonly holdBytes = HOLD_BYTES,
  ) {}

  /** A new session: nothing of the old one's input counts. */
  startSession(): void {
    this.countFrom(0);
  }

  /** This page comes back to a session another page (or its own earlier load) sent input to. */
  forgetOffsets(): void {
    this.countFrom(undefined);
  }

  /** Keeps nothing sent, and counts the input from `offset` on (undefined: not known). */
  private countFrom(offset: number | undefined): void {
    this.sent = [];
    this.start = offset;
    this.end = offset;
  }

  /** Input that goes out now. */
  recordSent(bytes: Uint8Array): void {
    if (this.start === undefined || this.end === undefined) return;
    this.sent.push(bytes);
    this.end += bytes.length;
    while (this.sent.length > 1 && this.end - this.start > this.keepSentBytes) {
      this.start += this.sent.shift()?.length ?? 0;
    }
  }

  /** Input typed while disconnected; false when too much waits already (it is not kept). */
  hold(bytes: Uint8Array): boolean {
    if (this.heldBytes + bytes.length > this.holdBytes) return false;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    return true;
  }

  /** The held input, to send now that a session is connected; the journal no longer holds it. */
  takeHeld(): Uint8Array[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    return held;
  }

  /** Bytes of input held. */
  get heldSize(): number {
    return this.heldBytes;
  }

  /**
   * The session resumed and the gateway got `received` bytes of its input:
   * what this page sent after that, and how much of it is no longer kept.
   * The caller sends `resend` again and records it with recordSent.
   */
  resumeAt(received: number | undefined): ResumedInput {
    const { sent, start, end } = this;
    // From here on, counted from the gateway's figure: the caller records the resent input as sent again.
    this.countFrom(received);
    // Nothing to compare with: nothing to resend.
    if (received === undefined || start === undefined || end === undefined || received > end) return { resend: [], lostBytes: 0 };
    const lostBytes = Math.max(0, start - received);
    let skip = Math.max(0, received - start);
    const resend: Uint8Array[] = [];
    for (const chunk of sent) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      resend.push(skip === 0 ? chunk : chunk.subarray(skip));
      skip = 0;
    }
    return { resend, lostBytes };
  }
}
