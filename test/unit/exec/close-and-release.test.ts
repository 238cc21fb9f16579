import { describe, expect, it } from 'vitest';
import { closeAndRelease } from '../../../server/exec/socket.js';
import { FakeSocket } from './fake-socket.js';

/** A socket that, like ws, stays CLOSING after close() until the peer answers or the connection ends. */
class ClosingSocket extends FakeSocket {
  override close(code?: number): void {
    this.readyState = 2;
    this.closedWith = code;
  }
}

const until = async (condition: () => boolean) => {
  const deadline = Date.now() + 2000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('closeAndRelease', () => {
  it('ends the connection once the close frame has left, without waiting for the peer’s', async () => {
    const socket = new ClosingSocket();
    socket.bufferedAmount = 3000;
    closeAndRelease(socket, 1000);
    expect(socket.closedWith).toBe(1000);
    // Output still queued is not cut off.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.terminated).toBe(false);
    socket.bufferedAmount = 0;
    await until(() => socket.terminated);
    expect(socket.terminated).toBe(true);
  });

  it('leaves a socket alone that the peer has already closed', async () => {
    const socket = new ClosingSocket();
    socket.bufferedAmount = 10;
    closeAndRelease(socket, 1000);
    socket.peerClose(1000);
    socket.bufferedAmount = 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.terminated).toBe(false);
  });
});
