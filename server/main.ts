// Composition root: load the configuration, build the gateway, listen, drain on SIGTERM.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config/index.js';
import { startDemo, type Demo } from './demo.js';
import { createGateway } from './gateway.js';
import { tuneHeapForStreaming } from './heap-tuning.js';
import { createLogger } from './logging.js';

const webRoot = join(dirname(dirname(fileURLToPath(import.meta.url))), 'web');

/** How a stop went, for an orchestrator that reads only the exit code (docs/operations.md). */
const EXIT = {
  /** Stopped: a drain whose sessions all ended within the grace period, or SIGINT. */
  stopped: 0,
  /** Start-up or stopping failed. */
  failed: 1,
  /** A drain whose grace period ran out: the sessions left were ended (4503). */
  sessionsCut: 3,
  /** A second signal cut a drain short (128 + SIGINT). */
  interrupted: 130,
} as const;

async function main(): Promise<void> {
  tuneHeapForStreaming();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(EXIT.failed);
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
    console.log(
      `Another user: npm run token -- --sub olga --groups ops   (demo groups: dev may do everything, ops may run nginx-reload in ingress-nginx)\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal while draining: stop now.
      if (signal === 'SIGINT') await gateway.close().finally(() => process.exit(EXIT.interrupted));
      return;
    }
    stopping = true;
    logger.info({ signal, graceSeconds: config.shutdown.graceSeconds }, 'stopping');
    let code: number = EXIT.stopped;
    try {
      // SIGINT (Ctrl+C at a terminal) means now; SIGTERM (an orchestrator) drains.
      if (signal === 'SIGTERM') {
        const { sessionsEnded } = await gateway.drain(config.shutdown.graceSeconds);
        if (sessionsEnded > 0) code = EXIT.sessionsCut;
      } else await gateway.close();
      await demo?.stop();
    } catch (error) {
      logger.error({ err: error }, 'stopping failed');
      code = EXIT.failed;
    }
    logger.info({ signal, exitCode: code }, 'stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(EXIT.failed);
});
