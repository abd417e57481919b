import {
  createLogger,
  createMetricsRegistry,
  onShutdown,
  opsHandler,
  Readiness,
  startOpsServer,
  startTelemetry,
} from '@switchboard/service-kit';
import { loadPersisterConfig } from './config.ts';
import { createPersister } from './persister.ts';

/** The persister process: drains the messages topic into PostgreSQL until SIGTERM. */
const config = loadPersisterConfig();
const logger = createLogger('persister', config.LOG_LEVEL);
const telemetry = startTelemetry('switchboard-persister');
const registry = createMetricsRegistry('persister');
const readiness = new Readiness();
const persister = createPersister({ config, logger, registry, readiness });
const server = await startOpsServer(config.PORT, config.HOST, opsHandler({ readiness, registry }));
logger.info(
  { port: config.PORT, topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID },
  'persister listening',
);

onShutdown({
  logger,
  graceMs: config.SHUTDOWN_GRACE_MS,
  steps: [
    { name: 'readiness', run: () => readiness.startDraining() },
    { name: 'consumer', run: () => persister.stop(config.SHUTDOWN_GRACE_MS) },
    { name: 'telemetry', run: () => telemetry.shutdown() },
    { name: 'ops server', run: () => new Promise<void>((resolve) => server.close(() => resolve())) },
  ],
});

persister.onFatal((err) => {
  // onShutdown exits 0; a consumer that cannot run must exit non-zero so it is restarted.
  logger.fatal({ err }, 'kafka consumer stopped for good; exiting so the process is restarted');
  readiness.startDraining();
  setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS).unref();
  void persister.stop(config.SHUTDOWN_GRACE_MS).finally(() => process.exit(1));
});

await persister.start();
