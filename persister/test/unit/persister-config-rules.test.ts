import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@switchboard/service-kit';
import { loadPersisterConfig } from '../../src/config.ts';

const required = { KAFKA_BROKERS: 'k1:9092, k2:9092', DATABASE_URL: 'postgresql://u:p@db/switchboard' };

function problems(env: Record<string, string>): string[] {
  try {
    loadPersisterConfig({ ...required, ...env });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

test('the required settings suffice; the rest has working defaults', () => {
  const config = loadPersisterConfig(required);
  assert.deepEqual(config.KAFKA_BROKERS, ['k1:9092', 'k2:9092']);
  assert.equal(config.BATCH_MAX_ROWS, 1_000);
  assert.ok(config.WRITE_TIMEOUT_MS * 2 <= config.KAFKA_SESSION_TIMEOUT_MS);
});

test('missing brokers and database are both named', () => {
  assert.throws(
    () => loadPersisterConfig({}),
    (err: unknown) =>
      err instanceof ConfigError && /KAFKA_BROKERS/.test(err.message) && /DATABASE_URL/.test(err.message),
  );
});

test('a write timeout above half the session timeout is refused (kafkajs heartbeats between batches)', () => {
  assert.deepEqual(
    problems({ WRITE_TIMEOUT_MS: '20000', KAFKA_SESSION_TIMEOUT_MS: '30000' }).map((p) => p.split(':')[0]),
    ['WRITE_TIMEOUT_MS'],
  );
});

test('fewer connections than partitions written at once is refused', () => {
  assert.deepEqual(
    problems({ DATABASE_POOL_MAX: '2', PARTITIONS_CONCURRENCY: '3' }).map((p) => p.split(':')[0]),
    ['DATABASE_POOL_MAX'],
  );
});

test('a record limit below the largest record a gateway can produce is refused', () => {
  assert.deepEqual(
    problems({ MAX_RECORD_BYTES: '1024' }).map((p) => p.split(':')[0]),
    ['MAX_RECORD_BYTES'],
  );
});

test('a fetch that waits for more bytes than one fetch may carry is refused', () => {
  assert.deepEqual(
    problems({ KAFKA_MIN_BYTES: '2048', KAFKA_MAX_BYTES: '1024' }).map((p) => p.split(':')[0]),
    ['KAFKA_MIN_BYTES'],
  );
});
