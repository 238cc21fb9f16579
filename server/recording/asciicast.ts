// One session written as asciicast v2 (the asciinema format): a JSON header
// line, then `[seconds, "o", text]` for output and `[seconds, "r", "COLSxROWS"]`
// for resizes. The data path only queues a reference to each frame; decoding,
// JSON and the disk happen later, in batches.
import { StringDecoder } from 'node:string_decoder';
import type { FileHandle } from 'node:fs/promises';

/** Bytes queued for the disk beyond which the recording fails rather than grow without bound. */
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;

type Event = { at: number; output: Buffer } | { at: number; size: string };

export interface AsciicastHeader {
  width: number;
  height: number;
  /** Unix seconds. */
  timestamp: number;
  title?: string;
  env?: Record<string, string>;
}

export class AsciicastWriter {
  private readonly decoder = new StringDecoder('utf8');
  private readonly startedAt = performance.now();
  private pending: Event[] = [];
  /** Output bytes queued as events, not yet turned into lines. */
  private queuedBytes = 0;
  /** Bytes handed to the disk whose write has not finished. */
  private inFlightBytes = 0;
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly errorListeners: Array<(error: Error) => void> = [];
  private closed: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly file: FileHandle,
    header: AsciicastHeader,
  ) {
    this.enqueueText(`${JSON.stringify({ version: 2, ...header })}\n`);
  }

  output(data: Buffer): void {
    if (this.failure !== undefined || this.closed !== undefined || data.length === 0) return;
    this.push({ at: this.elapsed(), output: data }, data.length);
  }

  resize(cols: number, rows: number): void {
    if (this.failure !== undefined || this.closed !== undefined) return;
    this.push({ at: this.elapsed(), size: `${cols}x${rows}` }, 32);
  }

  onError(listener: (error: Error) => void): void {
    if (this.failure !== undefined) listener(this.failure);
    else this.errorListeners.push(listener);
  }

  /** Writes what is queued, the end of a cut UTF-8 sequence included, and closes the file. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.flush();
      const rest = this.decoder.end();
      if (rest !== '') this.enqueueText(`${JSON.stringify([this.elapsed(), 'o', rest])}\n`);
      await this.writing;
      await this.file.close().catch(() => undefined);
    })();
    return this.closed;
  }

  private elapsed(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  private push(event: Event, bytes: number): void {
    this.pending.push(event);
    this.queuedBytes += bytes;
    if (this.queuedBytes + this.inFlightBytes > MAX_PENDING_BYTES) {
      this.fail(new Error(`the disk is slower than the session: more than ${MAX_PENDING_BYTES} bytes wait to be recorded`));
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Turns the queued events into lines and hands them to the disk, one write at a time. */
  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.failure !== undefined) return;
    const events = this.pending;
    this.pending = [];
    let text = '';
    for (const event of events) {
      if ('size' in event) {
        text += `${JSON.stringify([round(event.at), 'r', event.size])}\n`;
        continue;
      }
      // A multi-byte character cut between frames waits in the decoder for its end.
      const decoded = this.decoder.write(event.output);
      if (decoded !== '') text += `${JSON.stringify([round(event.at), 'o', decoded])}\n`;
    }
    const queued = this.queuedBytes;
    this.queuedBytes = 0;
    this.enqueueText(text, queued);
  }

  private enqueueText(text: string, queuedBytes = 0): void {
    if (text === '') return;
    this.inFlightBytes += queuedBytes;
    this.writing = this.writing.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await this.file.write(text);
      } catch (error) {
        this.fail(error as Error);
      } finally {
        this.inFlightBytes -= queuedBytes;
      }
    });
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.pending = [];
    for (const listener of this.errorListeners.splice(0)) listener(error);
  }
}

/** Microsecond precision, as asciinema writes it. */
function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
