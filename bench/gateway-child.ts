// The gateway alone in its own process, so its memory can be read apart from
// the benchmark's clients and the local cluster. Driven over IPC by processes.ts.
import { createGateway } from '../server/gateway.js';
import { cpuSeconds } from './child-ipc.js';
import { parseConfig } from '../server/config/index.js';
import { tuneHeapForStreaming } from '../server/heap-tuning.js';
import { createLogger } from '../server/logging.js';

// Tuned as server/main.ts tunes the gateway's process.
tuneHeapForStreaming();
const config = parseConfig(JSON.parse(process.env.BENCH_GATEWAY_CONFIG ?? '{}'), 'bench');
const gateway = await createGateway(config, {
  logger: createLogger('silent'),
  webRoot: process.env.BENCH_WEB_ROOT ?? 'dist/web',
  auditDestination: { write: () => undefined },
});
const url = await gateway.listen();
process.send?.({ type: 'listening', url });
process.on('message', (message: { type: string }) => {
  if (message.type === 'rss') {
    globalThis.gc?.();
    const memory = process.memoryUsage();
    process.send?.({ type: 'rss', rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external });
    if (process.env.BENCH_VERBOSE)
      console.error(
        `gateway memory: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB, external ${(memory.external / 2 ** 20).toFixed(0)} MiB`,
      );
  } else if (message.type === 'cpu') {
    process.send?.({ type: 'cpu', seconds: cpuSeconds() });
  } else if (message.type === 'stop') {
    void gateway.close().then(() => process.exit(0));
  }
});
