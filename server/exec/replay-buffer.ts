// The latest output of a session, kept so a browser that comes back after a
// dropped connection gets what it missed. Chunks are kept by reference (the
// frames the upstream delivered), never copied.

const SMALL_CHUNK_BYTES = 4096;

export class ReplayBuffer {
  private chunks: Buffer[] = [];
  private keptBytes = 0;
  /** Offset (in the session's output) of the first byte still kept. */
  private startOffset = 0;

  constructor(private readonly limitBytes: number) {}

  /** Total output bytes the session produced so far. */
  get endOffset(): number {
    return this.startOffset + this.keptBytes;
  }

  get size(): number {
    return this.keptBytes;
  }

  append(chunk: Buffer): void {
    if (this.limitBytes === 0) {
      this.startOffset += chunk.length;
      return;
    }
    // A small frame may be a view into a much larger socket read: copy it so
    // an idle session does not pin that read's memory.
    this.chunks.push(chunk.length < SMALL_CHUNK_BYTES ? Buffer.from(chunk) : chunk);
    this.keptBytes += chunk.length;
  }

  /** Drops the oldest chunks beyond the limit (not done while a browser is away: it has not seen them). */
  trim(): void {
    while (this.keptBytes > this.limitBytes && this.chunks.length > 0) {
      const oldest = this.chunks[0]!;
      const excess = this.keptBytes - this.limitBytes;
      if (oldest.length <= excess) {
        this.chunks.shift();
        this.keptBytes -= oldest.length;
        this.startOffset += oldest.length;
      } else {
        this.chunks[0] = oldest.subarray(excess);
        this.keptBytes -= excess;
        this.startOffset += excess;
      }
    }
  }

  /**
   * The output from `offset` on. `lostBytes` counts what was wanted but is no
   * longer kept; an offset beyond the end is an error of the caller.
   */
  since(offset: number): { chunks: Buffer[]; lostBytes: number } | undefined {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.endOffset) return undefined;
    const lostBytes = Math.max(0, this.startOffset - offset);
    let skip = Math.max(0, offset - this.startOffset);
    const out: Buffer[] = [];
    for (const chunk of this.chunks) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      out.push(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
    return { chunks: out, lostBytes };
  }
}
