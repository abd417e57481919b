import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { metricValue } from './support/bystanders.ts';
import { eventually, joinedClients, record, request, uniqueRoom } from './support/clients.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const opsB = `http://${HOST}:${ports.gateway2Ops}`;
const DELIVERIES = 'switchboard_gateway_fanout_deliveries_total';
const joined = joinedClients();

/**
 * Fan-out by interest (issue 14): a room's messages reach only the pods with members in it, and
 * a pod with members takes each message once (not once per socket).
 */
test('a gateway with no member in a room takes none of its messages; one with members takes each once', async () => {
  const room = uniqueRoom('interest');
  const sender = await joined(gatewayA, 'ines', room);
  const local = await joined(gatewayA, 'jon', room);
  const seenHere = record<ChatMessage>(local, ServerEvent.Message);
  let n = 0;
  const send = async () => {
    const ack = await request(sender, ClientEvent.MessageSend, {
      room,
      clientMsgId: `m${n}`,
      body: `m${n++}`,
    });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    return ack.id;
  };

  const before = await metricValue(opsB, DELIVERIES);
  for (let i = 0; i < 20; i++) await send();
  await eventually('gateway A delivers all 20', () => seenHere.length === 20);
  assert.equal(
    await metricValue(opsB, DELIVERIES),
    before,
    'gateway B took messages of a room it has no member in',
  );

  // Two members on B: B takes each message once and delivers it to both.
  const far = [await joined(gatewayB, 'kai', room), await joined(gatewayB, 'lou', room)];
  const seenFar = far.map((s) => record<ChatMessage>(s, ServerEvent.Message));
  const joinedAt = await metricValue(opsB, DELIVERIES);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await send());
  await eventually('both members on B get the 5', () => seenFar.every((seen) => seen.length === 5));
  for (const seen of seenFar)
    assert.deepEqual(
      seen.map((m) => m.id),
      ids,
    );
  assert.equal(await metricValue(opsB, DELIVERIES), joinedAt + 5);

  // The last member on B leaves: B stops taking the room's messages.
  for (const s of far) assert.equal((await request(s, ClientEvent.RoomLeave, { room })).ok, true);
  const left = await metricValue(opsB, DELIVERIES);
  for (let i = 0; i < 5; i++) await send();
  await eventually('gateway A still delivers', () => seenHere.length === 30);
  assert.equal(
    await metricValue(opsB, DELIVERIES),
    left,
    'gateway B kept taking the room after its members left',
  );
});
