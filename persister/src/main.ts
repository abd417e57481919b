import { opsHandler, runService, startOpsServer } from '@switchboard/service-kit';
import { loadPersisterConfig } from './config.ts';
import { createPersister } from './persister.ts';

/** The persister process: drains the messages topic into PostgreSQL until SIGTERM. */
await runService({
  name: 'persister',
  loadConfig: loadPersisterConfig,
  start: async ({ config, logger, registry, readiness, fail }) => {
    const persister = createPersister({ config, logger, registry, readiness, onFatal: fail });
    const server = await startOpsServer(config.PORT, config.HOST, opsHandler({ readiness, registry }));
    logger.info(
      { port: config.PORT, topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID },
      'persister listening',
    );
    persister.start();
    return {
      stop: [
        { name: 'consumer', run: () => persister.stop(config.SHUTDOWN_GRACE_MS) },
        // Last, so /readyz answers "draining" until the process is gone.
        { name: 'ops server', run: () => new Promise<void>((resolve) => server.close(() => resolve())) },
      ],
    };
  },
});
