import fs from 'node:fs';
import path from 'node:path';
import { waitUntil } from '@switchboard/service-kit';
import { Cluster, Redis } from 'ioredis';
import { dirs, HOST, ports, redisCluster, redisListenPorts, redisNodePorts, repoRoot } from '../layout.ts';
import { runningPid } from '../process-control.ts';
import { canConnect, waitFor } from '../readiness.ts';
import type { StackService } from '../service.ts';

// No persistence: the gateways keep only recent state in Redis, and tests restart Redis (or
// one node of the cluster) to prove that losing it loses nothing acknowledged.

const single: StackService = {
  name: 'redis',
  description: 'Redis (rooms, presence, rate limits, dedup)',
  port: 'redis',
  dependsOn: [],
  spawn: () => {
    const dir = path.join(dirs.data, 'redis');
    fs.mkdirSync(dir, { recursive: true });
    return {
      name: 'redis',
      command: 'redis-server',
      args: ['--port', String(ports.redis), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
    };
  },
  ready: () => canConnect(ports.redis),
  startTimeoutMs: 10_000,
  stopGraceMs: 5_000,
};

/**
 * SB_REDIS_CLUSTER=1: three primaries on the redisNode ports, run (and restarted when one dies)
 * by one supervisor process, so `redis` stays one service that starts, stops and is killed as a
 * whole. Ready once every node says `cluster_state:ok`.
 */
const cluster: StackService = {
  name: 'redis',
  description: `Redis Cluster, nodes on ${redisListenPorts().join(', ')} (rooms, presence, rate limits, dedup)`,
  port: redisNodePorts[0],
  dependsOn: [],
  spawn: () => ({
    name: 'redis',
    command: process.execPath,
    args: [
      path.join(repoRoot, 'stack', 'src', 'redis-cluster-supervisor.ts'),
      HOST,
      path.join(dirs.data, 'redis-cluster'),
      dirs.run,
      ...redisListenPorts().map(String),
    ],
    cwd: repoRoot,
  }),
  ready: async () => (await Promise.all(redisListenPorts().map(clusterStateOk))).every(Boolean),
  // The first start waits for `redis-cli --cluster create` (about 4 s).
  startTimeoutMs: 60_000,
  stopGraceMs: 5_000,
};

export const redis: StackService = redisCluster ? cluster : single;

/** A client of the stack's Redis in its mode (tests, tools): one server, or the cluster. */
export function redisClient(): Redis | Cluster {
  return redisCluster
    ? new Cluster(redisListenPorts().map((port) => ({ host: HOST, port })))
    : new Redis(ports.redis, HOST);
}

/** The cluster node (1-3, as `restart-redis-node` counts them) holding the slot of `key`. */
export async function redisNodeOfKey(key: string): Promise<number> {
  const node = await nodeConnection(redisListenPorts()[0]!);
  try {
    const slot = Number(await node.cluster('KEYSLOT', key));
    const ranges = await node.cluster('SLOTS');
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
    const index = owner === undefined ? -1 : redisListenPorts().indexOf(owner);
    if (index < 0) throw new Error(`no node of the stack holds slot ${slot} (${key})`);
    return index + 1;
  } finally {
    node.disconnect();
  }
}

/**
 * SIGKILLs node `n` of the cluster (fault tests); its supervisor starts it again at once, empty,
 * with its nodes file (its slots). Resolves once the cluster is ok again.
 */
export async function restartRedisNode(n: number): Promise<void> {
  if (!redisCluster) throw new Error('only a Redis Cluster stack (SB_REDIS_CLUSTER=1) has nodes to restart');
  const name = `redis-node-${n}`;
  const pid = runningPid(name);
  if (pid === undefined) throw new Error(`${name} is not running (stack up first)`);
  process.kill(pid, 'SIGKILL');
  const back = await waitUntil(() => ![undefined, pid].includes(runningPid(name)), {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  if (!back) throw new Error(`${name} was not started again (see the redis log)`);
  await waitFor('redis', cluster.ready, { timeoutMs: 30_000 });
}

async function clusterStateOk(port: number): Promise<boolean> {
  const node = await nodeConnection(port).catch(() => undefined);
  if (!node) return false;
  try {
    return /^cluster_state:ok\b/m.test(String(await node.cluster('INFO')));
  } catch {
    return false;
  } finally {
    node.disconnect();
  }
}

/** One node on its own, not through the cluster's routing (what the node itself says). */
async function nodeConnection(port: number): Promise<Redis> {
  const node = new Redis(port, HOST, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  node.on('error', () => {});
  try {
    await node.connect();
  } catch (err) {
    node.disconnect();
    throw err;
  }
  return node;
}
