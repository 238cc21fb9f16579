// `npm run local-cluster`: the embedded local cluster alone, with a kubeconfig
// written for kubectl. Options: --spec FILE, --kubeconfig FILE; PORT picks the port.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { tuneHeapForStreaming } from './heap-tuning.js';
import { startLocalCluster } from './index.js';

const USAGE = 'usage: npm run local-cluster -- [--spec FILE] [--kubeconfig FILE]   (PORT=6443 picks the port)';

function options(): { spec?: string; kubeconfig: string; help: boolean } {
  // scripts/start.mjs passes its own mode flag along; it is not ours.
  const args = process.argv.slice(2).filter((arg) => arg !== '--local-cluster');
  const { values } = parseArgs({
    args,
    options: {
      spec: { type: 'string' },
      kubeconfig: { type: 'string', default: 'local-cluster.kubeconfig' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  return {
    kubeconfig: values.kubeconfig ?? 'local-cluster.kubeconfig',
    help: values.help ?? false,
    ...(values.spec === undefined ? {} : { spec: values.spec }),
  };
}

let parsed: ReturnType<typeof options>;
try {
  parsed = options();
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = process.env.PORT === undefined || process.env.PORT === '' ? 0 : Number(process.env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not ${process.env.PORT}`);
  process.exit(2);
}

// Its log lines name URLs, pods and signals, never the token, so plain pino is enough.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined });
tuneHeapForStreaming();
try {
  const cluster = await startLocalCluster({ logger, port, ...(parsed.spec === undefined ? {} : { specFile: parsed.spec }) });
  const path = resolve(parsed.kubeconfig);
  writeFileSync(path, cluster.kubeconfig(), { mode: 0o600 });
  console.log(cluster.kubeconfig());
  console.log(`# kubeconfig written to ${path}`);
  // The hint names a pod that exists: shell-0 in the default spec.
  const pod = cluster.pod('default', 'shell-0') ?? cluster.pods()[0];
  const where =
    pod === undefined
      ? ''
      : `${pod.namespace === 'default' ? '' : `-n ${pod.namespace} `}${pod.name}${pod.containers.length > 1 ? ` -c ${pod.containers[0]}` : ''}`;
  if (pod !== undefined) console.log(`# try: kubectl --kubeconfig ${path} exec ${where} -- echo hi`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the local cluster');
    void cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'the local cluster did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(`the local cluster failed to start: ${(error as Error).message}`);
  process.exit(1);
}
