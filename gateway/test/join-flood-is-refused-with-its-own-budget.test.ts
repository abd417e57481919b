import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { connectClient, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

let gateway: GatewayProcess;

before(async () => {
  gateway = await startGateway({ ROOM_EVENTS_LIMIT_BURST: '5', ROOM_EVENTS_LIMIT_PER_SECOND: '1' });
});

after(() => stopGateway(gateway));

test('a join and leave flood gets RATE_LIMITED; the same user still sends, others are unaffected', async () => {
  const calm = await bystanders(gateway.url);
  const flooder = await connectClient(gateway.url, { user: 'join-flooder' });
  after(() => flooder.close());
  const home = uniqueRoom('home');
  assert.equal((await request(flooder, ClientEvent.RoomJoin, { room: home })).ok, true);

  const acks = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      request(flooder, i % 2 ? ClientEvent.RoomLeave : ClientEvent.RoomJoin, { room: `${home}-${i}` }),
    ),
  );
  const limited = acks.filter((a) => !a.ok);
  assert.ok(limited.length >= 20, `only ${limited.length} of 30 were limited`);
  for (const a of limited) {
    assert.equal(a.error.code, 'RATE_LIMITED', JSON.stringify(a));
    assert.ok(a.error.retryAfterMs > 0);
  }
  // Joins have their own budget: the flood has not spent the sends'.
  const sent = await request(flooder, ClientEvent.MessageSend, {
    room: home,
    clientMsgId: 'after',
    body: 'hi',
  });
  assert.equal(sent.ok, true, JSON.stringify(sent));
  assert.ok(
    (await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'room_events', reason: 'rate' })) >= 20,
  );
  await calm.assertUnaffected();
});

test("a connection's first join is paid by its handshake: the budget's burst is left for the joins after it", async () => {
  const client = await connectClient(gateway.url, { user: 'first-join-free' });
  after(() => client.close());
  const room = uniqueRoom('first');
  // The first join and the whole burst of 5 go through; then the budget refuses.
  for (let i = 0; i < 6; i++) {
    const ack = await request(client, ClientEvent.RoomJoin, { room: `${room}-${i}` });
    assert.equal(ack.ok, true, `join ${i}: ${JSON.stringify(ack)}`);
  }
  const more = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      request(client, ClientEvent.RoomJoin, { room: `${room}-more-${i}` }),
    ),
  );
  assert.ok(more.filter((a) => !a.ok).length >= 8, JSON.stringify(more));
});
