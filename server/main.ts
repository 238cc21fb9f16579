// Composition root: load the configuration, build the gateway, listen, drain on SIGTERM.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { startDemo, type Demo } from './demo.js';
import { createGateway } from './gateway.js';
import { createLogger } from './logging.js';

const webRoot = join(dirname(dirname(fileURLToPath(import.meta.url))), 'web');

async function main(): Promise<void> {
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
  const gateway = await createGateway(config, { logger, webRoot, extraClusters: demo?.clusters });
  const url = await gateway.listen();
  logger.info({ url, demo: config.demo, clusters: gateway.services.clusters.names() }, 'gateway listening');
  if (demo !== undefined) {
    // The one line a newcomer needs: open it and get a shell.
    console.log(`\nOpen ${url}/#token=${demo.devToken()}\n`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await gateway.close();
    await demo?.cluster.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
