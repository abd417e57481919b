import { z } from 'zod';
import { env, loadConfig } from '../../src/env-config.ts';
import { runService } from '../../src/service-lifecycle.ts';

/**
 * A service made of nothing but the lifecycle, for service-lifecycle.test.ts. FIXTURE_MODE:
 * `serve` (wait for a signal), `fail` (report a fatal error once started), `crash-on-start`.
 */
const schema = z.object({
  FIXTURE_MODE: z.enum(['serve', 'fail', 'crash-on-start']),
  FIXTURE_REQUIRED: env.string('', 'must not be empty').pipe(z.string().min(1)),
  SHUTDOWN_GRACE_MS: env.int(5_000, 'grace'),
  LOG_LEVEL: env.logLevel(),
});

await runService({
  name: 'fixture',
  loadConfig: () => loadConfig('fixture', schema),
  start: async ({ config, logger, readiness, fail }) => {
    if (config.FIXTURE_MODE === 'crash-on-start') throw new Error('port already in use');
    // Stands for the server a real service keeps open: without a handle the process would end.
    const keepAlive = setInterval(() => {}, 60_000);
    logger.info({ draining: readiness.isDraining }, 'started');
    if (config.FIXTURE_MODE === 'fail') setImmediate(() => fail(new Error('consumer died')));
    return {
      stop: [
        { name: 'first', run: () => logger.info({ draining: readiness.isDraining }, 'first step') },
        {
          name: 'broken',
          run: () => {
            throw new Error('step failed');
          },
        },
        {
          name: 'last',
          run: () => {
            clearInterval(keepAlive);
            logger.info('last step');
          },
        },
      ],
    };
  },
});
