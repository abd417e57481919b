export * from './env-config.ts';
export * from './kafka-security.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './ops-endpoints.ts';
export * from './readiness.ts';
export * from './shutdown.ts';
export * from './telemetry.ts';
