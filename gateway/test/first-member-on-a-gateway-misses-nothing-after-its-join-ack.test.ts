import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { connectClient, eventually, joinedClients, record, request, uniqueRoom } from './support/clients.ts';
import { steadyTalk } from './support/steady-talk.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const joined = joinedClients();

/**
 * A pod subscribes to a room's channel when its first member joins; the join ack waits for
 * that, so every message sent after the ack reaches the new member, exactly once and in order,
 * while the room keeps talking.
 */
test('the first member of a room on a gateway gets every message sent after its join ack, once, in order', async () => {
  for (let round = 0; round < 5; round++) {
    const room = uniqueRoom('first-here');
    const sender = await joined(gatewayA, `mia-${round}`, room);
    const newcomer = await connectClient(gatewayB, { user: `ned-${round}` });
    const seen = record<ChatMessage>(newcomer, ServerEvent.Message);
    const talk = steadyTalk(sender, room, 'f');
    await new Promise((r) => setTimeout(r, 50 + round * 20));
    const join = await request(newcomer, ClientEvent.RoomJoin, { room });
    assert.equal(join.ok, true, JSON.stringify(join));
    talk.mark();
    await eventually('some messages flow after the join ack', () => talk.sentAfterMark.length >= 10);
    await talk.stop();
    await eventually('the newcomer has every message sent after its ack', () =>
      talk.sentAfterMark.every((id) => seen.some((m) => m.id === id)),
    );
    const ids = seen.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, 'a message arrived twice');
    assert.deepEqual(ids, [...ids].sort(), 'out of order');
    newcomer.close();
  }
});
