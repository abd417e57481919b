import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, type ErrorBody, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import {
  connectClient,
  eventually,
  record,
  request,
  tokenFor,
  uniqueRoom,
  within,
} from './support/clients.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

/**
 * Drops the client's connection and lets it reconnect, to `nextUrl` (what a load balancer does
 * when the first pod is gone); resolves once it is connected again.
 */
async function dropAndReconnect(socket: Socket, nextUrl: string, whileAway: () => Promise<void>) {
  // 'connect' (not the manager's 'reconnect') comes once the server has answered, recovered or not.
  const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
  (socket.io as unknown as { uri: string }).uri = nextUrl;
  socket.io.engine.close();
  await within(gone, 'the disconnect');
  await whileAway();
  await within(reconnected, 'the reconnection');
}

for (const [name, nextUrl] of [
  ['the same gateway', gatewayA],
  ['another gateway', gatewayB],
] as const) {
  test(`a client reconnecting within the window to ${name} receives what it missed, in order`, async () => {
    const room = uniqueRoom('recovery');
    const sender = await connectClient(gatewayB, { user: 'paul' });
    const roamer = await connectClient(
      gatewayA,
      { user: 'quinn' },
      { reconnection: true, reconnectionDelay: 500 },
    );
    sockets.push(sender, roamer);
    await request(sender, ClientEvent.RoomJoin, { room });
    await request(roamer, ClientEvent.RoomJoin, { room });
    const seen = record<ChatMessage>(roamer, ServerEvent.Message);
    await request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'm0', body: 'm0' });
    await eventually('m0 arrives', () => seen.length === 1);

    await dropAndReconnect(roamer, nextUrl, async () => {
      for (const i of [1, 2, 3]) {
        const ack = await request(sender, ClientEvent.MessageSend, {
          room,
          clientMsgId: `m${i}`,
          body: `m${i}`,
        });
        assert.equal(ack.ok, true);
      }
    });
    assert.equal(roamer.recovered, true, 'the session was not recovered');
    await eventually('the missed messages arrive', () => seen.length >= 4);
    const ack = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'm4', body: 'm4' });
    assert.equal(ack.ok, true);
    await eventually('live messages flow again', () => seen.some((m) => m.body === 'm4'));
    assert.deepEqual(
      seen.map((m) => m.body),
      ['m0', 'm1', 'm2', 'm3', 'm4'],
    );
    // Still a member after recovery: the rooms came back with the session.
    assert.equal(
      (await request(roamer, ClientEvent.MessageSend, { room, clientMsgId: 'back', body: 'b' })).ok,
      true,
    );
  });
}

test('a client recovers even when the only thing it received was its own join', async () => {
  const room = uniqueRoom('recovery-quiet');
  const sender = await connectClient(gatewayA, { user: 'wade' });
  const quiet = await connectClient(
    gatewayA,
    { user: 'xena' },
    { reconnection: true, reconnectionDelay: 500 },
  );
  sockets.push(sender, quiet);
  await request(sender, ClientEvent.RoomJoin, { room });
  const ownJoin = new Promise<void>((resolve) => quiet.once(ServerEvent.Presence, () => resolve()));
  await request(quiet, ClientEvent.RoomJoin, { room });
  await within(ownJoin, 'its own join');
  const seen = record<ChatMessage>(quiet, ServerEvent.Message);
  await dropAndReconnect(quiet, gatewayB, async () => {
    await request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'q1', body: 'q1' });
  });
  assert.equal(quiet.recovered, true);
  await eventually('the missed message arrives', () => seen.some((m) => m.body === 'q1'));
});

test('a session is only recovered for its own user', async () => {
  const room = uniqueRoom('recovery-owner');
  const victim = await connectClient(
    gatewayA,
    { user: 'vera' },
    { reconnection: true, reconnectionDelay: 500 },
  );
  sockets.push(victim);
  const ownJoin = new Promise<void>((resolve) => victim.once(ServerEvent.Presence, () => resolve()));
  await request(victim, ClientEvent.RoomJoin, { room });
  await within(ownJoin, 'its own join');
  // Someone replaying vera's session id with a token of their own is refused (and if the
  // session were not recovered at all, the connect would succeed and fail the test).
  const outcome = new Promise<string>((resolve) => {
    victim.once('connect_error', (err: Error & { data?: ErrorBody }) =>
      resolve(err.data?.code ?? err.message),
    );
    victim.once('connect', () => resolve(`connected, recovered=${victim.recovered}`));
  });
  const gone = new Promise<void>((resolve) => victim.once('disconnect', () => resolve()));
  victim.auth = { token: await tokenFor('mallory') };
  victim.io.engine.close();
  await within(gone, 'the disconnect');
  assert.equal(await within(outcome, 'the reconnection attempt'), 'UNAUTHENTICATED');
  victim.io.reconnection(false);
});
