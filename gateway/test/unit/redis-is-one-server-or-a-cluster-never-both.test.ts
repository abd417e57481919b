import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGatewayConfig } from '../../src/config.ts';

// Connection settings are only parsed here, never dialled.
const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgresql://u@127.0.0.1:5432/d',
  JWT_SECRET: 'x'.repeat(32),
};

test('one Redis by URL, or a Redis Cluster by its seed nodes (host:port, IPv6 in brackets)', () => {
  const single = loadGatewayConfig({ ...base, REDIS_URL: 'rediss://u:p@redis.internal:6380' });
  assert.equal(single.REDIS_URL, 'rediss://u:p@redis.internal:6380');
  assert.deepEqual(single.REDIS_CLUSTER_NODES, []);
  const cluster = loadGatewayConfig({
    ...base,
    REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.7:7001,[fd00::1]:7002',
    REDIS_PASSWORD: 'secret',
    REDIS_TLS: 'true',
  });
  assert.deepEqual(cluster.REDIS_CLUSTER_NODES, [
    { host: 'redis-0.redis', port: 6379 },
    { host: '10.0.0.7', port: 7001 },
    { host: 'fd00::1', port: 7002 },
  ]);
  assert.equal(cluster.REDIS_URL, undefined);
  assert.equal(cluster.REDIS_TLS, true);
});

test('neither, both, a node without a port, or cluster credentials beside a URL are refused by name', () => {
  assert.throws(
    () => loadGatewayConfig(base),
    /REDIS_URL: set REDIS_URL \(one Redis\) or REDIS_CLUSTER_NODES/,
  );
  assert.throws(
    () => loadGatewayConfig({ ...base, REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r:6379' }),
    /REDIS_URL: set REDIS_URL or REDIS_CLUSTER_NODES, not both/,
  );
  assert.throws(
    () => loadGatewayConfig({ ...base, REDIS_CLUSTER_NODES: 'r:6379,redis-1' }),
    /REDIS_CLUSTER_NODES: "redis-1" is not host:port/,
  );
  assert.throws(
    () => loadGatewayConfig({ ...base, REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'p' }),
    /REDIS_PASSWORD: only with REDIS_CLUSTER_NODES/,
  );
  assert.throws(
    () => loadGatewayConfig({ ...base, REDIS_URL: 'redis://r:6379', REDIS_TLS: 'true' }),
    /REDIS_TLS: only with REDIS_CLUSTER_NODES/,
  );
});
