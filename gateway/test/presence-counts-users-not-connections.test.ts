import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientEvent, type PresenceEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { eventually, joinedClients, record, request, uniqueRoom } from './support/clients.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const joined = joinedClients();

test('a user with two connections (two tabs, two pods) is gone only when the last one leaves', async () => {
  const room = uniqueRoom('presence-tabs');
  const observer = await joined(gatewayA, 'olga', room);
  const seen = record<PresenceEvent>(observer, ServerEvent.Presence);
  const tab1 = await joined(gatewayA, 'pete', room);
  const tab2 = await joined(gatewayB, 'pete', room);

  tab1.close();
  // A marker user joining after the close: once its `joined` arrived, a `left` for pete would have too.
  await joined(gatewayB, 'marker-1', room);
  await eventually('the first marker is seen', () => seen.some((e) => e.joined === 'marker-1'));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(
    seen.some((e) => e.left === 'pete'),
    false,
    'pete is still online in another tab',
  );

  await request(tab2, ClientEvent.RoomLeave, { room });
  await eventually('pete is gone once his last connection left', () => seen.some((e) => e.left === 'pete'));
  assert.equal(seen.filter((e) => e.left === 'pete').length, 1);
});
