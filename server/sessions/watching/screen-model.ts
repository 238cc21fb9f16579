// A server-side copy of a shared session's screen: a headless xterm.js fed
// with the session's output, serialised for a viewer who joins late.
import serializeAddon from '@xterm/addon-serialize';
import headless from '@xterm/headless';

const { Terminal } = headless;
const { SerializeAddon } = serializeAddon;

/** Lines of scrollback kept beyond the screen: a late viewer sees the screen, not the history. */
const SCROLLBACK = 0;
/**
 * Output waiting to be parsed above which the model stops taking more: a
 * flood parses far slower than it streams, and xterm.js throws once 50 MB
 * wait. A model that fell behind is redrawn from recent output (SharedSession).
 */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export class ScreenModel {
  private readonly terminal: InstanceType<typeof Terminal>;
  private readonly serializer = new SerializeAddon();
  private pending = 0;
  private skipped = false;

  constructor(cols: number, rows: number) {
    this.terminal = new Terminal({ cols, rows, scrollback: SCROLLBACK, allowProposedApi: true });
    this.terminal.loadAddon(this.serializer);
  }

  get cols(): number {
    return this.terminal.cols;
  }

  get rows(): number {
    return this.terminal.rows;
  }

  /** Parses `data`, or skips it while too much waits (then `fellBehind` is true). */
  write(data: Buffer): void {
    if (this.pending > MAX_PENDING_BYTES) {
      this.skipped = true;
      return;
    }
    this.pending += data.length;
    this.terminal.write(data, () => (this.pending -= data.length));
  }

  /** True once output was skipped and everything before it is parsed: the screen is stale, and may be rebuilt. */
  get fellBehind(): boolean {
    return this.skipped && this.pending === 0;
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  /** The bytes that redraw the current screen on an empty terminal of this size, once every write so far is parsed. */
  snapshot(): Promise<{ cols: number; rows: number; data: string }> {
    return new Promise((resolve) => {
      this.terminal.write('', () => resolve({ cols: this.cols, rows: this.rows, data: this.serializer.serialize() }));
    });
  }

  dispose(): void {
    this.terminal.dispose();
  }
}
