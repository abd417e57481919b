import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatMessage, messageIdTime, newMessageId, SwitchboardError } from '@switchboard/protocol';
import { ConfigError, createLogger, kafkaClientSecurity } from '@switchboard/service-kit';
import { canConnect, HOST, kafkaSettings, ports, serviceEnv } from '@switchboard/stack';
import { loadGatewayConfig } from '../src/config.ts';
import { createMessageProducer } from '../src/kafka-producer.ts';
import { within } from './support/clients.ts';
import { readMessageIds, topicEnd } from './support/kafka-topic.ts';

const saslBroker = `${HOST}:${ports.kafkaSasl}`;

/** The gateway's settings as a managed cluster needs them, on the local SASL/PLAIN listener. */
function saslEnv(password: string) {
  return {
    ...serviceEnv(),
    KAFKA_BROKERS: saslBroker,
    JWT_SECRET: 'x'.repeat(32),
    KAFKA_SASL_MECHANISM: kafkaSettings.sasl.mechanism,
    KAFKA_SASL_USERNAME: kafkaSettings.sasl.username,
    KAFKA_SASL_PASSWORD: password,
  };
}

function producerFor(password: string) {
  const config = loadGatewayConfig(saslEnv(password));
  return createMessageProducer({
    brokers: config.KAFKA_BROKERS,
    clientId: 'gateway-sasl-test',
    topic: config.KAFKA_TOPIC,
    sendTimeoutMs: 5000,
    maxPending: 10,
    maxBatch: 10,
    security: kafkaClientSecurity(config, 'gateway'),
    logger: createLogger('test', 'silent'),
  });
}

function message(room: string): ChatMessage {
  const id = newMessageId();
  return { id, room, sender: 'tess', body: 'over sasl', ts: messageIdTime(id), clientMsgId: `c-${id}` };
}

async function assertSaslListener() {
  assert.ok(
    await canConnect(ports.kafkaSasl),
    `no SASL listener on ${saslBroker}: a stack started before it existed needs a Kafka restart (stack down kafka && stack up kafka)`,
  );
}

test('with the right SASL/PLAIN credentials the producer delivers through the SASL listener', async () => {
  await assertSaslListener();
  const from = await topicEnd();
  const producer = producerFor(kafkaSettings.sasl.password);
  await producer.start();
  const sent = message(`sasl-${Date.now()}`);
  try {
    await producer.produce(sent);
  } finally {
    await producer.stop();
  }
  const ids = await readMessageIds(from, (found) => found.has(sent.id));
  assert.ok(ids.has(sent.id), 'the record produced over SASL is in the topic');
});

test('a wrong SASL password makes sends fail with UNAVAILABLE instead of hanging', async () => {
  await assertSaslListener();
  const producer = producerFor('not-the-password');
  await producer.start();
  try {
    assert.equal(producer.reachable, false);
    const outcome = await within(
      producer.produce(message(`sasl-denied-${Date.now()}`)).then(
        () => undefined,
        (err: unknown) => err,
      ),
      'the refused send to settle',
      30_000,
    );
    assert.ok(outcome instanceof SwitchboardError, 'the send is refused');
    assert.equal(outcome.code, 'UNAVAILABLE');
  } finally {
    await producer.stop();
  }
});

test('a SASL mechanism without a user name or password is a ConfigError naming the variable', () => {
  for (const missing of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
    const env: Record<string, string> = saslEnv('secret');
    delete env[missing];
    assert.throws(
      () => loadGatewayConfig(env),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 1);
        assert.match(err.message, new RegExp(`${missing}: required when KAFKA_SASL_MECHANISM is set`));
        return true;
      },
    );
  }
});
