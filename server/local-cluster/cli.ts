// `npm run local-cluster`: the embedded local cluster alone, with a kubeconfig
// written for kubectl. Options: --spec FILE, --kubeconfig FILE; PORT picks the port.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../logging.js';
import { startLocalCluster } from './index.js';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    spec: { type: 'string' },
    kubeconfig: { type: 'string', default: 'local-cluster.kubeconfig' },
  },
  strict: true,
});

const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
const port = process.env.PORT === undefined ? 0 : Number(process.env.PORT);
try {
  const cluster = await startLocalCluster({ logger, port, specFile: values.spec });
  const path = resolve(values.kubeconfig ?? 'local-cluster.kubeconfig');
  writeFileSync(path, cluster.kubeconfig(), { mode: 0o600 });
  console.log(cluster.kubeconfig());
  console.log(`# kubeconfig written to ${path}`);
  console.log(`# try: kubectl --kubeconfig ${path} get pods -A`);
  console.log(`#      kubectl --kubeconfig ${path} exec -it shell-0 -- bash`);
  const stop = () => void cluster.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(`local cluster failed to start: ${(error as Error).message}`);
  process.exit(1);
}
