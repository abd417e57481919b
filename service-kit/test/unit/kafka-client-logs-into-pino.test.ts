import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { createKafkaClient } from '../../src/kafka-client.ts';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level, formatters: { level: (label) => ({ level: label }) } }, stream);
  return { logger, lines };
}

const client = (logger: pino.Logger) =>
  createKafkaClient({ clientId: 't', brokers: ['127.0.0.1:1'], logger });

test('kafkajs log lines reach pino at the matching level, with their namespace and fields', () => {
  const { logger, lines } = capture('trace');
  const log = client(logger).logger().namespace('Consumer');
  log.error('crashed', { groupId: 'g' });
  log.warn('slow');
  log.info('joined');
  log.debug('fetch');
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg, l.namespace, l.component]),
    [
      ['error', 'crashed', 'Consumer', 'kafkajs'],
      ['warn', 'slow', 'Consumer', 'kafkajs'],
      ['debug', 'joined', 'Consumer', 'kafkajs'],
      ['trace', 'fetch', 'Consumer', 'kafkajs'],
    ],
  );
  assert.equal(lines[0]?.groupId, 'g');
});

test("kafkajs prints no more than the service's level", () => {
  const { logger, lines } = capture('warn');
  const log = client(logger).logger();
  log.info('chatty');
  log.debug('chattier');
  log.warn('kept');
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['kept'],
  );
  const silent = capture('silent');
  client(silent.logger).logger().error('dropped');
  assert.deepEqual(silent.lines, []);
});
