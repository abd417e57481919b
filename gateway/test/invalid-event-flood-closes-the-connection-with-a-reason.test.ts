import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent, type ErrorBody, ServerEvent } from '@switchboard/protocol';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { connectClient, record, request, within } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

let gateway: GatewayProcess;

before(async () => {
  gateway = await startGateway({ INVALID_EVENTS_MAX: '10', INVALID_EVENTS_WINDOW_MS: '60000' });
});

after(() => stopGateway(gateway));

type ProtocolError = { event: string; error: ErrorBody };

test('a few invalid events get typed errors and the connection stays', async () => {
  const client = await connectClient(gateway.url, { user: 'clumsy' });
  after(() => client.close());
  for (let i = 0; i < 5; i++) {
    const ack = await request(client, ClientEvent.RoomJoin, { room: 'bad room!' });
    assert.equal(ack.error.code, 'INVALID');
  }
  assert.equal(client.connected, true);
});

test('past the threshold, unknown and invalid events close the connection: error:protocol first, then disconnect', async () => {
  const calm = await bystanders(gateway.url);
  const client = await connectClient(gateway.url, { user: 'fuzzer' });
  after(() => client.close());
  const errors = record<ProtocolError>(client, ServerEvent.Error);
  const closed = new Promise<string>((resolve) => client.once('disconnect', resolve));

  for (let i = 0; i < 2000 && client.connected; i++) {
    if (i % 2) client.emit(`no-such-event-${i}`, { i });
    else client.emit(ClientEvent.MessageSend, { room: 42, body: null });
  }
  assert.equal(await within(closed, 'the connection to be closed'), 'io server disconnect');
  const reason = errors.find((e) => e.event === 'protocol');
  assert.ok(reason, `no closing reason among ${errors.length} errors`);
  assert.equal(reason.error.code, 'INVALID');
  assert.match(reason.error.message, /invalid or unknown events/);
  assert.ok(
    (await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'events', reason: 'invalid_events' })) >= 1,
  );
  await calm.assertUnaffected();
});
