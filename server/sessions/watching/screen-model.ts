// A server-side copy of a shared session's screen: a headless xterm.js fed
// with the session's output, serialised for a viewer who joins late.
import serializeAddon from '@xterm/addon-serialize';
import headless from '@xterm/headless';

const { Terminal } = headless;
const { SerializeAddon } = serializeAddon;

/** Lines of scrollback kept beyond the screen: a late viewer sees the screen, not the history. */
const SCROLLBACK = 0;

export class ScreenModel {
  private readonly terminal: InstanceType<typeof Terminal>;
  private readonly serializer = new SerializeAddon();

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

  write(data: Buffer): void {
    this.terminal.write(data);
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
