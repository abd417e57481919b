import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { connectClient, eventually, joinedClients, record, request, uniqueRoom } from './support/clients.ts';
import { steadyTalk } from './support/steady-talk.ts';

const gateways = [ports.gateway1, ports.gateway2].map((port) => `http://${HOST}:${port}`);
const joined = joinedClients();

/**
 * A member hops between pods while the room talks: each hop is a new connection that rejoins
 * with the last id it saw (G9). Put together, the live messages and the catch-ups hold every
 * acknowledged message, and no pod delivers a message twice on a connection.
 */
test('a member moving between gateways while messages flow gets every message, none twice on a connection', async () => {
  const room = uniqueRoom('hopping');
  const sender = await joined(gateways[0]!, 'otto', room);
  const talk = steadyTalk(sender, room, 'h');
  const { acked } = talk;

  const got = new Set<string>();
  let last: string | undefined;
  for (let hop = 0; hop < 6; hop++) {
    const member = await connectClient(gateways[hop % 2]!, { user: 'pia' });
    const live = record<ChatMessage>(member, ServerEvent.Message);
    const join = await request<{ ok: boolean; missed?: ChatMessage[]; complete?: boolean }>(
      member,
      ClientEvent.RoomJoin,
      last ? { room, since: last } : { room },
    );
    assert.equal(join.ok, true, JSON.stringify(join));
    assert.notEqual(join.complete, false, 'the catch-up of a short hop is complete');
    for (const m of join.missed ?? []) got.add(m.id);
    const seenBefore = acked.length;
    await eventually(
      'messages arrive live on this hop',
      () => acked.length >= seenBefore + 5 && live.length >= 3,
    );
    member.close();
    const ids = live.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, `hop ${hop}: a message arrived twice live`);
    for (const id of ids) got.add(id);
    last = [...got].sort().at(-1);
  }
  await talk.stop();
  // From the first message of the first hop (what came before it was before the member joined).
  const first = [...got].sort()[0]!;
  const upToLast = acked.filter((id) => id >= first && id <= last!);
  assert.deepEqual(
    upToLast.filter((id) => !got.has(id)),
    [],
    'acknowledged messages the member never got',
  );
});
