// Composition root: load the configuration, build the gateway, listen, drain on SIGTERM.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { startDemo, type Demo } from './demo.js';
import { createGateway } from './gateway.js';
import { tuneHeapForStreaming } from './heap-tuning.js';
import { createLogger } from './logging.js';

const webRoot = join(dirname(dirname(fileURLToPath(import.meta.url))), 'web');

async function main(): Promise<void> {
  tuneHeapForStreaming();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.log.level);
  let demo: Demo | undefined;
  if (config.demo) demo = await startDemo(config, logger);
  const gateway = await createGateway(config, { logger, webRoot, extraClusters: demo?.clusters, tls: demo?.tls });
  const url = await gateway.listen();
  logger.info({ url, demo: config.demo, clusters: gateway.services.clusters.names() }, 'gateway listening');
  if (demo !== undefined) {
    const files = demo.writeFiles(url);
    // The one line a newcomer needs first: open it and get a shell. Then the way in for kubectl.
    console.log(`\nOpen ${url}/#token=${demo.token()}\n`);
    console.log(`kubectl: kubectl --kubeconfig ${files.kubeconfigFile} get pods   (https on the same port; CA: ${files.caFile})`);
    console.log(`Another user: npm run token -- --sub olga --groups ops   (demo groups: dev may do everything, ops may run nginx-reload in ingress-nginx)\n`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal while draining: stop now.
      if (signal === 'SIGINT') await gateway.close().finally(() => process.exit(0));
      return;
    }
    stopping = true;
    logger.info({ signal, graceSeconds: config.shutdown.graceSeconds }, 'stopping');
    // SIGINT (Ctrl+C at a terminal) means now; SIGTERM (an orchestrator) drains.
    if (signal === 'SIGTERM') await gateway.drain(config.shutdown.graceSeconds);
    else await gateway.close();
    await demo?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
