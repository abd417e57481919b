import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, messageIdTime, newMessageId, SwitchboardError } from '@switchboard/protocol';
import { createLogger } from '@switchboard/service-kit';
import { kafkaSettings, runningPid, serviceEnv } from '@switchboard/stack';
import { createMessageProducer, type MessageProducer, NotSentError } from '../src/kafka-producer.ts';
import { within } from './support/clients.ts';
import { readRecords, topicEnd } from './support/kafka-topic.ts';

// The stack's Kafka is frozen (SIGSTOP), not stopped: its connections stay open and requests
// simply get no answer, so only the producer's deadline can end the sends.
let producer: MessageProducer;
let kafkaPid: number;
let frozen = false;
before(async () => {
  const pid = runningPid('kafka');
  assert.ok(pid, 'the stack runs Kafka');
  kafkaPid = pid;
  producer = createMessageProducer({
    brokers: [serviceEnv().KAFKA_BROKERS],
    clientId: 'gateway-deadline-test',
    topic: kafkaSettings.topic,
    // Shorter than one request's two attempts (a request timeout of 1 s each), so the deadline
    // ends the sends, not the client giving up.
    sendTimeoutMs: 1000,
    maxPending: 100,
    maxBatch: 100,
    logger: createLogger('test', 'silent'),
  });
  await producer.start();
});
after(async () => {
  if (frozen) process.kill(kafkaPid, 'SIGCONT');
  await producer.stop();
});

function message(room: string, n: number): ChatMessage {
  const id = newMessageId();
  return { id, room, sender: 'dora', body: `d${n}`, ts: messageIdTime(id), clientMsgId: `d${n}` };
}

const outcome = (sent: Promise<void>) =>
  within(
    sent.then(
      () => 'acked' as const,
      (err: unknown) => err,
    ),
    'the send to end',
    30_000,
  );

test('when Kafka stops answering, each send ends at its deadline: the one in a request as unknown, the queued ones as never sent', async () => {
  const room = `deadline-${Date.now().toString(36)}`;
  await producer.produce(message(room, 0));
  const from = await topicEnd();

  process.kill(kafkaPid, 'SIGSTOP');
  frozen = true;
  // The first goes into a request at once; the others queue behind it.
  const inRequest = producer.produce(message(room, 1));
  const queued = [message(room, 2), message(room, 3)];
  const queuedSends = queued.map((m) => producer.produce(m));
  const ended = await Promise.all([outcome(inRequest), ...queuedSends.map(outcome)]);
  process.kill(kafkaPid, 'SIGCONT');
  frozen = false;

  for (const err of ended) {
    assert.ok(err instanceof SwitchboardError, `ended with ${String(err)}`);
    assert.equal(err.code, 'UNAVAILABLE');
    assert.equal(err.retryable, true);
  }
  // Kafka may have the one in a request (its outcome is unknown: a retry keeps its id, G3);
  // the queued ones were never sent (a retry takes a new id, G4) and never will be.
  assert.ok(!(ended[0] instanceof NotSentError), 'the send in a request has an unknown outcome');
  assert.ok(
    ended.slice(1).every((err) => err instanceof NotSentError),
    'the queued sends were never sent',
  );
  assert.equal(producer.pending, 0);

  const after = message(room, 4);
  await within(producer.produce(after), 'a send once Kafka answers again', 60_000);
  const records = await readRecords(from, (r) => r.has(after.id));
  assert.ok(records.has(after.id));
  for (const m of queued) assert.ok(!records.has(m.id), `${m.clientMsgId} was never sent`);
});
