// The data path between the terminal view and its connection, as xterm.js's
// AttachAddon: output to the view, keystrokes to the connection, the size,
// and flow control. One attachment per connection; disposing it detaches both.
import { DisposableStore, type Disposable } from './lifecycle.js';
import type { TerminalConnection } from './terminal-connection.js';
import type { TerminalView } from './terminal-view.js';

/** What the data path needs of the view. */
export type AttachableView = Pick<TerminalView, 'write' | 'onData' | 'onResize' | 'onBackpressure' | 'size' | 'backpressured'>;
/** What the data path needs of the connection. */
export type AttachableConnection = Pick<TerminalConnection, 'onOutput' | 'onOpened' | 'send' | 'sendInput'>;

/** Wires `view` and `connection` together until the returned disposable is disposed. */
export function attachTerminal(view: AttachableView, connection: AttachableConnection): Disposable {
  const store = new DisposableStore();
  store.add(connection.onOutput((bytes) => view.write(bytes)));
  store.add(view.onData((data) => connection.sendInput(data)));
  store.add(view.onResize(({ cols, rows }) => connection.send({ type: 'resize', cols, rows })));
  // Flow control: while xterm's write queue is long, the gateway holds output back.
  store.add(view.onBackpressure((paused) => connection.send({ type: paused ? 'pause' : 'resume' })));
  store.add(
    connection.onOpened(() => {
      // The first size goes out before any output is drawn; a reconnect keeps a pause in force.
      const { cols, rows } = view.size();
      connection.send({ type: 'resize', cols, rows });
      if (view.backpressured()) connection.send({ type: 'pause' });
    }),
  );
  return store;
}
