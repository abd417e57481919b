import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import { down, up } from '@switchboard/stack';
import { connectClient, eventually, request, uniqueRoom } from './support/clients.ts';
import { startGateway, stopGateway } from './support/gateway-processes.ts';

// Whatever happened, leave PostgreSQL running for the next test file.
after(() => up({ only: ['postgres'] }));

test('while PostgreSQL is down a join is UNAVAILABLE for its sender alone; once it is back joins work, the gateway never stopped', async () => {
  const gateway = await startGateway();
  after(() => stopGateway(gateway));
  const ann = await connectClient(gateway.url, { user: 'pg-restart-ann' });
  after(() => ann.close());
  const home = uniqueRoom('pg-home');
  // The pool holds connections from here on: they break when PostgreSQL stops.
  assert.equal((await request(ann, ClientEvent.RoomJoin, { room: home })).ok, true);

  await down({ only: ['postgres'] });
  const bob = await connectClient(gateway.url, { user: 'pg-restart-bob' });
  after(() => bob.close());
  const refused = await request(bob, ClientEvent.RoomJoin, { room: uniqueRoom('pg-during') });
  assert.equal(refused.ok, false, JSON.stringify(refused));
  assert.equal(refused.error.code, 'UNAVAILABLE');
  assert.equal(refused.error.retryable, true);
  // A decision already made needs no PostgreSQL: ann joins her room again from the cache.
  const again = await request(ann, ClientEvent.RoomJoin, { room: home });
  assert.equal(again.ok, true, JSON.stringify(again));

  await up({ only: ['postgres'] });
  await eventually(
    'joins work again',
    async () => (await request(bob, ClientEvent.RoomJoin, { room: uniqueRoom('pg-after') })).ok === true,
  );
  assert.equal(gateway.child.exitCode, null, 'the gateway kept running');
});
