import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { kafkaAdminClient } from '@switchboard/stack';
import type { ConfigResourceTypes } from 'kafkajs';
import type { Socket } from 'socket.io-client';
import { eventually, joinedClients, type Reply, record, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';
import { sampleReadiness } from './support/readiness-samples.ts';
import { endOffsets, type Offsets, storedMessages } from './support/topic-records.ts';

/**
 * G7 (issue 11): a message the topic can never hold (its record is over the topic's
 * `max.message.bytes`, here a test topic of its own with a small limit) is refused with
 * TOO_LARGE to its sender alone: before it is sent when the gateway knows the limit, and
 * after the broker refused the request when the limit was lowered behind the gateway's back.
 * Meanwhile a bystander on the same gateway sends and receives as usual, the gateway stays
 * ready, and the topic holds exactly the acknowledged messages.
 */
const TOPIC_TYPE = 2 as ConfigResourceTypes.TOPIC;
const topic = `switchboard.test.small-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const admin = kafkaAdminClient();
const joined = joinedClients();
const suffix = Math.random().toString(36).slice(2, 8);
const room = uniqueRoom('never-fit');
const calmRoom = uniqueRoom('never-fit-calm');
const acked = new Set<string>();
let gateway: GatewayProcess;
let from: Offsets;
let offender: Socket;
let bystander: Socket;
let peer: Socket;
let peerSeen: ChatMessage[];
let bystanderSeen: ChatMessage[];

async function setTopicLimit(bytes: number) {
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      { type: TOPIC_TYPE, name: topic, configEntries: [{ name: 'max.message.bytes', value: String(bytes) }] },
    ],
  });
}

before(async () => {
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic,
        numPartitions: 3,
        replicationFactor: 1,
        configEntries: [{ name: 'max.message.bytes', value: '32768' }],
      },
    ],
  });
  // A new topic: everything in it is this test's (asking for its offsets this early can meet
  // a broker that has not taken the lead of its partitions yet).
  from = [0, 1, 2].map((partition) => ({ partition, offset: '0' }));
  gateway = await startGateway({ KAFKA_TOPIC: topic });
  offender = await joined(gateway.url, `mallory-${suffix}`, room);
  bystander = await joined(gateway.url, `bob-${suffix}`, calmRoom);
  peer = await joined(gateway.url, `pat-${suffix}`, calmRoom);
  bystanderSeen = record<ChatMessage>(bystander, ServerEvent.Message);
  peerSeen = record<ChatMessage>(peer, ServerEvent.Message);
});

after(async () => {
  if (gateway) await stopGateway(gateway);
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

function send(socket: Socket, target: string, clientMsgId: string, body: string): Promise<Reply> {
  return request(socket, ClientEvent.MessageSend, { room: target, clientMsgId, body }).then((ack) => {
    if (ack.ok) acked.add(ack.id);
    return ack;
  });
}

/** The bystander's sends, made among the offender's: all acked and delivered on the gateway. */
async function assertDelivered(sends: Promise<Reply>[]) {
  const acks = await Promise.all(sends);
  for (const ack of acks) assert.equal(ack.ok, true, JSON.stringify(ack));
  for (const seen of [bystanderSeen, peerSeen]) {
    await eventually('the bystander messages arrive', () =>
      acks.every((a) => seen.some((m) => m.id === a.id)),
    );
  }
}

/**
 * The offender's `bodies` and the bystander's messages, interleaved and all in one tick, after
 * one bystander message that goes out alone: the rest queue behind it and share requests.
 */
function interleaved(prefix: string, bodies: string[]) {
  const bystanderSends = [send(bystander, calmRoom, `${prefix}-first`, `${prefix} first`)];
  const offenderSends: Promise<Reply>[] = [];
  bodies.forEach((body, i) => {
    offenderSends.push(send(offender, room, `${prefix}-heavy-${i}`, body));
    bystanderSends.push(send(bystander, calmRoom, `${prefix}-${i}`, `${prefix} ${i}`));
  });
  return { bystanderSends, offenderSends: Promise.all(offenderSends) };
}

function assertTooLarge(acks: Reply[]) {
  for (const ack of acks) {
    assert.equal(ack.ok, false, JSON.stringify(ack));
    assert.equal(ack.error.code, 'TOO_LARGE');
    assert.equal(ack.error.retryable, false);
  }
}

test('a record over the topic limit the gateway read at start is refused with TOO_LARGE, before it is sent', async () => {
  const readiness = sampleReadiness(gateway.opsUrl);
  // 10,600 control characters: a body within MAX_BODY_BYTES, a ~64 KB record over 32 KB.
  const { bystanderSends, offenderSends } = interleaved(
    'calm',
    Array.from({ length: 3 }, (_, i) => `${i}${'\u0001'.repeat(10_600)}`),
  );
  await assertDelivered(bystanderSends);
  assertTooLarge(await offenderSends);
  assert.ok((await readiness.stop()).every(Boolean), 'the gateway stayed ready');
  // The offender's connection is fine: a message that fits goes through.
  assert.equal((await send(offender, room, 'small', 'a small one')).ok, true);
});

test('when the broker refuses a request as too large, only the record that cannot fit is refused', async () => {
  // Lowered behind the gateway's back: it still plans with 32 KB, the broker now holds 8 KB.
  await setTopicLimit(8192);
  const readiness = sampleReadiness(gateway.opsUrl);
  // ~24 KB records: under what the gateway believes, over what the broker takes. Each shares
  // a request with bystander messages; the broker refuses the request, the gateway splits it.
  const { bystanderSends, offenderSends } = interleaved(
    'among',
    Array.from({ length: 4 }, (_, i) => `${i}${'\u0001'.repeat(4000)}`),
  );
  await assertDelivered(bystanderSends);
  assertTooLarge(await offenderSends);
  assert.ok((await readiness.stop()).every(Boolean), 'a refused request did not make the gateway unready');
  assert.equal((await send(bystander, calmRoom, 'later', 'after the refusals')).ok, true);

  // Whatever requests were refused and split, the topic holds exactly what was acknowledged.
  const stored = await storedMessages(topic, from, await endOffsets(topic));
  assert.deepEqual(new Set(stored.map((m) => m.id)), acked);
});
