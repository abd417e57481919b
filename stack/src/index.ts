export * from './layout.ts';
export { isAlive, logFile, runningPid } from './process-control.ts';
export { canConnect, freePort, httpOk, waitFor } from './readiness.ts';
export type { StackService } from './service.ts';
export { devServiceApiKey, gatewayEnv } from './services/gateway.ts';
export { serviceByName, services } from './services/index.ts';
export { kafkaAdminClient } from './services/kafka.ts';
export { redisClient, redisNodeOfKey, restartRedisNode } from './services/redis.ts';
export { down, kill, startService, status, up } from './stack.ts';
