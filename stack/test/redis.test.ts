import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { redisClient } from '../src/index.ts';

test('a Redis stream entry is added and read back (the streams adapter needs Redis >= 5)', async () => {
  const redis = redisClient();
  try {
    // One node's answer: under a Cluster every node runs the same server.
    const info = await redis.info('server');
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1]);
    assert.ok(major >= 5, `redis ${major}`);
    const stream = `smoke:${randomUUID()}`;
    const id = await redis.xadd(stream, '*', 'field', 'value');
    const entries = await redis.xrange(stream, '-', '+');
    assert.deepEqual(entries, [[id, ['field', 'value']]]);
    await redis.del(stream);
  } finally {
    redis.disconnect();
  }
});
