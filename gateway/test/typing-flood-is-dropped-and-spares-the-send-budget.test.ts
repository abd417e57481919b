import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent, ServerEvent, type TypingEvent } from '@switchboard/protocol';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

let gateway: GatewayProcess;

before(async () => {
  // A send budget far smaller than the flood: if typing spent it, the send after would fail.
  gateway = await startGateway({
    TYPING_LIMIT_BURST: '3',
    TYPING_LIMIT_PER_SECOND: '1',
    RATE_LIMIT_BURST: '2',
    RATE_LIMIT_PER_SECOND: '1',
  });
});

after(() => stopGateway(gateway));

test('typing past its budget is dropped silently; a send right after still works', async () => {
  const calm = await bystanders(gateway.url);
  const room = uniqueRoom('typing');
  const typist = await connectClient(gateway.url, { user: 'typist' });
  const watcher = await connectClient(gateway.url, { user: 'watcher' });
  after(() => {
    typist.close();
    watcher.close();
  });
  for (const s of [typist, watcher])
    assert.equal((await request(s, ClientEvent.RoomJoin, { room })).ok, true);
  const errors = record(typist, ServerEvent.Error);
  const typing = record<TypingEvent>(watcher, ServerEvent.Typing);
  const messages = record<{ id: string }>(watcher, ServerEvent.Message);

  for (let i = 0; i < 40; i++) typist.emit(ClientEvent.Typing, { room });
  const sent = await request(typist, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'after-typing',
    body: 'done',
  });
  assert.equal(sent.ok, true, JSON.stringify(sent));
  await eventually('the watcher gets the message', () => messages.some((m) => m.id === sent.id));
  await eventually('the flood is counted as refused', async () => {
    const refused = await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'typing', reason: 'rate' });
    return refused >= 30;
  });

  assert.ok(typing.length >= 1, 'typing within the budget still reaches the room');
  assert.ok(typing.length < 40, `all ${typing.length} typing events were relayed`);
  assert.deepEqual(errors, [], 'dropped typing is silent');
  await calm.assertUnaffected();
});
