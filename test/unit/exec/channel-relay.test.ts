// kubectl's relay passes frames through unchanged both ways, counts payload
// bytes, holds a side back while the other is behind, and ends once.
import { describe, expect, it } from 'vitest';
import { relayChannels, type RelayEndReason } from '../../../server/exec/channel-relay.js';
import { FakeSocket, noWatch } from './fake-socket.js';

function relay() {
  const client = new FakeSocket('v5.channel.k8s.io');
  const upstream = new FakeSocket('v5.channel.k8s.io');
  const ends: RelayEndReason[] = [];
  const channels = relayChannels(client, upstream, { watch: noWatch, onEnd: (reason) => ends.push(reason), onError: () => undefined });
  return { client, upstream, channels, ends };
}

describe('relayChannels', () => {
  it('passes frames through as they are, and counts stdin and output payload bytes', () => {
    const { client, upstream, channels } = relay();
    client.receive(Buffer.from([0, 104, 105]));
    client.receive(Buffer.from([4, 123, 125]));
    upstream.receive(Buffer.from([1, 111, 107, 10]));
    upstream.receive(Buffer.from([2, 33]));
    expect(upstream.binaries().map((b) => [...b])).toEqual([
      [0, 104, 105],
      [4, 123, 125],
    ]);
    expect(client.binaries().map((b) => [...b])).toEqual([
      [1, 111, 107, 10],
      [2, 33],
    ]);
    expect(channels.bytes).toEqual({ in: 2, out: 4 });
  });

  it('pauses the upstream while kubectl is behind', () => {
    const { client, upstream } = relay();
    client.bufferedAmount = 2 * 1024 * 1024;
    upstream.receive(Buffer.from([1, 120]));
    expect(upstream.isPaused).toBe(true);
  });

  it('ends with 1000 on both sides when the API server closes cleanly', () => {
    const { client, upstream, ends } = relay();
    upstream.peerClose(1000);
    expect(client.closedWith).toBe(1000);
    expect(ends).toEqual(['ended']);
  });

  it('closes kubectl with 1011 when the upstream is lost, and ends only once', () => {
    const { client, upstream, ends } = relay();
    upstream.peerClose(1006);
    client.peerClose(1000);
    expect(client.closedWith).toBe(1011);
    expect(upstream.terminated).toBe(true);
    expect(ends).toEqual(['upstream-lost']);
  });

  it('closes the upstream with 1000 when kubectl goes', () => {
    const { client, upstream, ends } = relay();
    client.peerClose(1000);
    expect(upstream.closedWith).toBe(1000);
    expect(ends).toEqual(['client-closed']);
  });

  it('ends as a protocol violation when ws reports one on the client', () => {
    const { client, ends } = relay();
    client.emit('error', Object.assign(new Error('too big'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }));
    expect(ends).toEqual(['protocol-violation']);
  });

  it('ends from the gateway side with the code it is given', () => {
    const { client, channels, ends } = relay();
    channels.end('draining', 1001);
    expect(client.closedWith).toBe(1001);
    expect(ends).toEqual(['draining']);
  });
});
