import path from 'node:path';

/**
 * The one description of where the local stack lives and which ports it uses. Every script,
 * test and benchmark reads ports and paths from here; nothing else spells them.
 */
export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

const env = process.env;

/** Data, logs and pid files of one stack instance (git-ignored). */
export const stackDir = path.resolve(env.SB_STACK_DIR ?? path.join(repoRoot, '.stack', 'local'));
/** Downloads shared by every instance: Kafka jars, tools. */
export const cacheDir = path.resolve(env.SB_CACHE_DIR ?? path.join(repoRoot, '.stack', 'cache'));

export const dirs = {
  logs: path.join(stackDir, 'logs'),
  run: path.join(stackDir, 'run'),
  data: path.join(stackDir, 'data'),
};

const offset = intFromEnv('SB_PORT_OFFSET', 0);

/**
 * SB_REDIS_CLUSTER=1: Redis is a three-node Redis Cluster (services/redis.ts) instead of one
 * server, and services and tests get its nodes (REDIS_CLUSTER_NODES) instead of REDIS_URL. A
 * stack keeps one mode: give a cluster stack its own SB_STACK_DIR and SB_PORT_OFFSET.
 */
export const redisCluster = ['1', 'true'].includes(env.SB_REDIS_CLUSTER ?? '');

type PortSpec = { env: string; base: number };

/** Each port: its default, moved by SB_PORT_OFFSET, or set outright by its own variable. */
export const portSpecs = {
  redis: { env: 'SB_REDIS_PORT', base: 16379 },
  postgres: { env: 'SB_POSTGRES_PORT', base: 15432 },
  kafka: { env: 'SB_KAFKA_PORT', base: 19092 },
  kafkaController: { env: 'SB_KAFKA_CONTROLLER_PORT', base: 19093 },
  // SASL_PLAINTEXT (PLAIN) listener: tests of the clients' SASL settings; all else uses `kafka`.
  kafkaSasl: { env: 'SB_KAFKA_SASL_PORT', base: 19094 },
  loadBalancer: { env: 'SB_LB_PORT', base: 13000 },
  gateway1: { env: 'SB_GATEWAY1_PORT', base: 13001 },
  gateway2: { env: 'SB_GATEWAY2_PORT', base: 13002 },
  gateway3: { env: 'SB_GATEWAY3_PORT', base: 13003 },
  // Ops endpoints (/livez /readyz /metrics), which the public ports do not serve: the load
  // balancer's own health answer and each gateway's OPS_PORT.
  loadBalancerOps: { env: 'SB_LB_OPS_PORT', base: 13080 },
  gateway1Ops: { env: 'SB_GATEWAY1_OPS_PORT', base: 13081 },
  gateway2Ops: { env: 'SB_GATEWAY2_OPS_PORT', base: 13082 },
  gateway3Ops: { env: 'SB_GATEWAY3_OPS_PORT', base: 13083 },
  // Below 13100 so no port of one offset (steps of 100) lands on a gateway of another.
  persister: { env: 'SB_PERSISTER_PORT', base: 13090 },
  // The Redis Cluster's nodes (SB_REDIS_CLUSTER=1), each with its cluster bus on port + 10000.
  // Their last two digits are no other port's, so no offset (steps of 100) lands on another's.
  redisNode1: { env: 'SB_REDIS_NODE1_PORT', base: 16384 },
  redisNode2: { env: 'SB_REDIS_NODE2_PORT', base: 16385 },
  redisNode3: { env: 'SB_REDIS_NODE3_PORT', base: 16386 },
} satisfies Record<string, PortSpec>;

export type PortName = keyof typeof portSpecs;

export const ports = Object.fromEntries(
  Object.entries(portSpecs).map(([name, spec]) => [name, intFromEnv(spec.env, spec.base + offset)]),
) as Record<PortName, number>;

export const HOST = '127.0.0.1';

/** The Redis Cluster's nodes, in the order `stack restart-redis-node <n>` counts them. */
export const redisNodePorts = [
  'redisNode1',
  'redisNode2',
  'redisNode3',
] as const satisfies readonly PortName[];

/** Every port the stack's Redis listens on: its one port, or each node of the cluster. */
export const redisListenPorts = (): number[] =>
  redisCluster ? redisNodePorts.map((name) => ports[name]) : [ports.redis];

export const kafkaSettings = {
  topic: env.SB_KAFKA_TOPIC ?? 'switchboard.messages',
  dlqTopic: env.SB_KAFKA_DLQ_TOPIC ?? 'switchboard.messages.dlq',
  partitions: intFromEnv('SB_KAFKA_PARTITIONS', 12),
  version: '3.9.1',
  heap: env.SB_KAFKA_HEAP ?? '768m',
  /** The one SASL/PLAIN user of the SASL listener (local development only). */
  sasl: {
    mechanism: 'plain' as const,
    username: 'switchboard',
    password: 'switchboard-local-kafka-password',
  },
};

export const postgresSettings = {
  database: 'switchboard',
  user: 'switchboard',
};

/** The development JWT secret of the local stack (SB_JWT_SECRET overrides it); see service-kit. */
export { devJwtSecret } from '@switchboard/service-kit';

/** The gateways of the local stack, each behind the load balancer. */
export const gatewayPorts = ['gateway1', 'gateway2'] as const satisfies readonly PortName[];

/** The ops port (OPS_PORT) of each gateway port. */
export const gatewayOpsPorts = {
  gateway1: 'gateway1Ops',
  gateway2: 'gateway2Ops',
  gateway3: 'gateway3Ops',
} as const satisfies Record<string, PortName>;

/** Where the stack's Redis is, in the variable the gateway reads for the mode. */
type RedisEnv = { REDIS_URL: string } | { REDIS_CLUSTER_NODES: string };

/** Connection settings for services and tests, in the variable names the services read. */
export function serviceEnv() {
  const redis: RedisEnv = redisCluster
    ? {
        REDIS_CLUSTER_NODES: redisListenPorts()
          .map((port) => `${HOST}:${port}`)
          .join(','),
      }
    : { REDIS_URL: `redis://${HOST}:${ports.redis}` };
  return {
    ...redis,
    KAFKA_BROKERS: `${HOST}:${ports.kafka}`,
    KAFKA_TOPIC: kafkaSettings.topic,
    KAFKA_DLQ_TOPIC: kafkaSettings.dlqTopic,
    DATABASE_URL: `postgresql://${postgresSettings.user}@${HOST}:${ports.postgres}/${postgresSettings.database}`,
  } satisfies Record<string, string>;
}

export function portHint(name: PortName): string {
  return `set ${portSpecs[name].env}, or SB_PORT_OFFSET to move every port`;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name}=${raw} is not a valid port number or offset`);
  }
  return value;
}
