// One run of a container's log, as the container runtime keeps it: output cut
// into lines, each stamped with the time it arrived (nanoseconds, as in a CRI
// log file), readable from any line on and followed as lines arrive.

/** Nanoseconds since the epoch: the wall clock at start plus a monotonic offset, so stamps never go back. */
const wallAtStart = BigInt(Date.now()) * 1_000_000n;
const monotonicAtStart = process.hrtime.bigint();
export const nowNanos = (): bigint => wallAtStart + (process.hrtime.bigint() - monotonicAtStart);

/** The kubelet's `timestamps=true` prefix: RFC 3339 with nine fraction digits, UTC (RFC3339NanoFixed). */
export function formatTimestamp(nanos: bigint): string {
  const iso = new Date(Number(nanos / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(nanos % 1_000_000_000n).padStart(9, '0')}Z`;
}

export interface LogLine {
  /** Position in the log, counted from its first line ever (dropped ones included). */
  seq: number;
  time: bigint;
  stream: 'stdout' | 'stderr';
  /** The line with its newline, or the last piece of output that never got one. */
  data: Buffer;
}

/** What a runtime keeps before it rotates: older lines go first (the kubelet's default containerLogMaxSize). */
const MAX_BYTES = 10 << 20;
/** A line longer than this is cut, as containerd cuts a line at its buffer size. */
const MAX_LINE = 16 << 10;

export class ContainerLog {
  private lines: LogLine[] = [];
  private first = 0;
  private bytes = 0;
  private readonly partial = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  private readonly listeners = new Set<() => void>();
  private closed = false;

  /** Appends output of one stream: complete lines go in now, a trailing piece waits for its newline. */
  write(stream: 'stdout' | 'stderr', data: Buffer): void {
    if (this.closed) return;
    let start = 0;
    for (;;) {
      const end = data.indexOf(0x0a, start);
      if (end < 0) break;
      this.push(stream, Buffer.concat([...this.partial[stream], data.subarray(start, end + 1)]));
      this.partial[stream] = [];
      start = end + 1;
    }
    if (start < data.length) {
      this.partial[stream].push(Buffer.from(data.subarray(start)));
      const pending = this.partial[stream].reduce((n, b) => n + b.length, 0);
      if (pending >= MAX_LINE) {
        this.push(stream, Buffer.concat(this.partial[stream]));
        this.partial[stream] = [];
      }
    }
    this.notify();
  }

  /** The run ended: what waited for a newline goes in as it is, and followers are told. */
  close(): void {
    if (this.closed) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream].length > 0) this.push(stream, Buffer.concat(this.partial[stream]));
      this.partial[stream] = [];
    }
    this.closed = true;
    this.notify();
  }

  get ended(): boolean {
    return this.closed;
  }

  /** The seq the next line will get. */
  get end(): number {
    return this.first + this.lines.length;
  }

  /** The lines from `seq` on (from the oldest kept, when those before were rotated away). */
  from(seq: number): LogLine[] {
    return this.lines.slice(Math.max(0, seq - this.first));
  }

  /** Called after each change (a line, or the end); returns how to stop listening. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private push(stream: 'stdout' | 'stderr', data: Buffer): void {
    this.lines.push({ seq: this.end, time: nowNanos(), stream, data });
    this.bytes += data.length;
    while (this.bytes > MAX_BYTES && this.lines.length > 1) {
      this.bytes -= this.lines.shift()!.data.length;
      this.first += 1;
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
