import { collectDefaultMetrics, Registry } from 'prom-client';

/** Every Switchboard metric starts with this, so dashboards and alerts can find them. */
export const METRIC_PREFIX = 'switchboard_';

/**
 * A registry per service with Node's default metrics (CPU, memory, GC, event loop lag as
 * `switchboard_nodejs_eventloop_lag_*`) and a `service` label on every series.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX, eventLoopMonitoringPrecision: 20 });
  return registry;
}
