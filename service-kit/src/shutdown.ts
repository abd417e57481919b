import type { Logger } from './logger.ts';

export type ShutdownStep = { name: string; run: () => Promise<void> | void };

/**
 * Runs the steps in order on the first SIGTERM or SIGINT, then exits 0; exits 1 if they have
 * not finished within `graceMs` (kept below Kubernetes' terminationGracePeriodSeconds).
 */
export function onShutdown(options: { logger: Logger; graceMs: number; steps: ShutdownStep[] }): {
  trigger: (reason: string) => Promise<void>;
} {
  let running: Promise<void> | undefined;
  const trigger = (reason: string) => {
    running ??= (async () => {
      const { logger, graceMs, steps } = options;
      logger.info({ reason, graceMs }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ graceMs }, 'shutdown exceeded its grace period; exiting');
        process.exit(1);
      }, graceMs);
      timer.unref();
      for (const step of steps) {
        const started = Date.now();
        try {
          await step.run();
          logger.info({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
        } catch (err) {
          logger.error({ step: step.name, err }, 'shutdown step failed');
        }
      }
      logger.info('shutdown complete');
      logger.flush();
      process.exit(0);
    })();
    return running;
  };
  process.once('SIGTERM', () => void trigger('SIGTERM'));
  process.once('SIGINT', () => void trigger('SIGINT'));
  return { trigger };
}
