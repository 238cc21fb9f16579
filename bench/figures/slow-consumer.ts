// Figure 4, slow consumer: a client that reads at a set rate while the pod
// writes as fast as it can; backpressure must hold the pod, not buffer, so the
// figure is the gateway's peak RSS and the bytes lost.
import { drain } from '../clients.js';
import type { Figure } from './figure.js';

export const slowConsumer: Figure = async ({ settings, endpoints, gateway }) => {
  const megabytes = settings.slowMiB;
  const rate = settings.slowBytesPerSecond;
  let peak = await gateway.rss();
  const timer = setInterval(() => void gateway.rss().then((r) => (peak = Math.max(peak, r))), 250);
  const result = await drain(endpoints, 'gateway', ['head', '-c', String(megabytes * 1024 * 1024), '/dev/zero'], {
    readBytesPerSecond: rate,
  });
  clearInterval(timer);
  const lost = megabytes * 1024 * 1024 - result.bytes;
  return [
    {
      name: `4. slow consumer: ${megabytes} MiB read at ${rate / 1e6} MB/s`,
      gateway: `${result.seconds.toFixed(1)} s, ${lost} bytes lost`,
      figure: `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
      target: '< 150 MiB, no loss',
      met: peak < 150 * 2 ** 20 && lost === 0,
    },
  ];
};
