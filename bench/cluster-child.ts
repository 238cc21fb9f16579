// A local cluster in its own process: the bench's clients then share no event
// loop with the API server they measure, and thousands of sessions spread
// their file descriptors over two processes. Driven over IPC by run.ts.
import { startLocalCluster } from '../server/local-cluster/index.js';

const cluster = await startLocalCluster();
process.send?.({ type: 'ready', url: cluster.url, token: cluster.token, caPem: cluster.caPem });
process.on('message', (message: { type: string }) => {
  if (message.type === 'activeExecs') {
    process.send?.({ type: 'activeExecs', count: cluster.activeExecs() });
  } else if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', seconds: (usage.user + usage.system) / 1e6 });
  } else if (message.type === 'stop') {
    void cluster.stop().then(() => process.exit(0));
  }
});
