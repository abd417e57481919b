import type { Registry } from 'prom-client';
import { ConfigError } from './env-config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';
import { Readiness } from './readiness.ts';
import { startTelemetry } from './telemetry.ts';

/** One step of a stop, run in order; a failing step is logged and the next one still runs. */
export type ShutdownStep = { name: string; run: () => Promise<void> | void };

export type ServiceContext<C> = {
  config: C;
  logger: Logger;
  registry: Registry;
  readiness: Readiness;
  /** A fatal error (a consumer that cannot run any more): drain, run the stop steps, exit 1. */
  fail: (err: Error) => void;
};

export type ServiceSpec<C> = {
  /** Short name: the logger's `service`, the metrics' `service` label, `switchboard-<name>` in traces. */
  name: string;
  loadConfig: () => C;
  /** Builds and starts the service; resolves once it serves, with what a stop must do in order. */
  start: (ctx: ServiceContext<C>) => Promise<{ stop: ShutdownStep[] }>;
};

type LifecycleConfig = { LOG_LEVEL: string; SHUTDOWN_GRACE_MS: number };

/**
 * The life of every Switchboard process, the same for each service:
 * 1. load the config; a ConfigError prints the variables at fault (no stack trace) and exits 1;
 * 2. start telemetry, the logger, the metrics registry and readiness, then the service's `start`
 *    (a failure to start is logged and exits 1);
 * 3. on the first SIGTERM/SIGINT: readiness turns false (the balancer and the orchestrator stop
 *    sending work), the service's stop steps run in order, telemetry flushes, exit 0 - or exit 1
 *    when SHUTDOWN_GRACE_MS (kept below Kubernetes' terminationGracePeriodSeconds) is exceeded;
 * 4. `fail(err)` does the same after logging the error, and exits 1 so the process is restarted.
 * Ops endpoints are the service's own business (an HTTP app of its own, or `startOpsServer`).
 */
export async function runService<C extends LifecycleConfig>(spec: ServiceSpec<C>): Promise<void> {
  let config: C;
  try {
    config = spec.loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const telemetry = startTelemetry(`switchboard-${spec.name}`);
  const logger = createLogger(spec.name, config.LOG_LEVEL);
  const registry = createMetricsRegistry(spec.name);
  const readiness = new Readiness();

  let stopSteps: ShutdownStep[] | undefined;
  let stopRequest: { exitCode: number } | undefined;

  const runStop = async (exitCode: number, steps: ShutdownStep[]) => {
    await runSteps([...steps, { name: 'telemetry', run: () => telemetry.shutdown() }], logger);
    logger.info({ exitCode }, 'shutdown complete');
    logger.flush();
    process.exit(exitCode);
  };
  const stop = (reason: string, exitCode: number) => {
    if (stopRequest) return;
    stopRequest = { exitCode };
    const graceMs = config.SHUTDOWN_GRACE_MS;
    logger.info({ reason, graceMs }, 'shutting down');
    setTimeout(() => {
      logger.error({ graceMs }, 'shutdown exceeded its grace period; exiting');
      logger.flush();
      process.exit(1);
    }, graceMs).unref();
    readiness.startDraining();
    // Before `start` has returned there are no steps yet: they run as soon as they exist.
    if (stopSteps) void runStop(exitCode, stopSteps);
  };
  process.once('SIGTERM', () => stop('SIGTERM', 0));
  process.once('SIGINT', () => stop('SIGINT', 0));
  const fail = (err: Error) => {
    logger.fatal({ err }, `${spec.name} cannot continue; exiting so it is restarted`);
    stop(err.message, 1);
  };

  try {
    ({ stop: stopSteps } = await spec.start({ config, logger, registry, readiness, fail }));
  } catch (err) {
    logger.fatal({ err }, `${spec.name} failed to start`);
    logger.flush();
    await telemetry.shutdown().catch(() => {});
    process.exit(1);
  }
  if (stopRequest) void runStop(stopRequest.exitCode, stopSteps);
}

async function runSteps(steps: ShutdownStep[], logger: Logger): Promise<void> {
  for (const step of steps) {
    const started = Date.now();
    try {
      await step.run();
      logger.info({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
    } catch (err) {
      logger.error({ step: step.name, err }, 'shutdown step failed');
    }
  }
}
