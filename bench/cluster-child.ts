// A local cluster in its own process: the bench's clients then share no event
// loop with the API server they measure, and thousands of sessions spread
// their file descriptors over two processes. Driven over IPC by processes.ts.
import { tuneHeapForStreaming } from '../server/heap-tuning.js';
import { startLocalCluster } from '@webterm/local-cluster';
import { cpuSeconds } from './child-ipc.js';

// Tuned as `npm run local-cluster` and the demo are.
tuneHeapForStreaming();
const cluster = await startLocalCluster();
process.send?.({ type: 'ready', url: cluster.url, token: cluster.token, caPem: cluster.caPem });
process.on('message', (message: { type: string }) => {
  if (message.type === 'activeExecs') {
    process.send?.({ type: 'activeExecs', count: cluster.activeExecs() });
  } else if (message.type === 'cpu') {
    process.send?.({ type: 'cpu', seconds: cpuSeconds() });
  } else if (message.type === 'stop') {
    void cluster.stop().then(() => process.exit(0));
  }
});
