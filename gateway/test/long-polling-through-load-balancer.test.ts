import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';

const loadBalancer = `http://${HOST}:${ports.loadBalancer}`;
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

async function connectionsOn(opsPort: number): Promise<number> {
  const text = await (await fetch(`http://${HOST}:${opsPort}/metrics`)).text();
  return Number(/^switchboard_gateway_connections\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Both gateways are in the balancer's rotation (after a fault test one may still be marked down). */
async function bothGatewaysInRotation() {
  const seen = new Set<string>();
  await eventually('the balancer routes to both gateways', async () => {
    // Any public path: the balancer sets its cookie on whatever the gateway answers.
    const res = await fetch(`${loadBalancer}/`);
    const cookie = /SBGW=(\w+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (cookie) seen.add(cookie);
    return seen.size === 2;
  });
}

test('long-polling-only clients work through the sticky load balancer, spread over the gateways', async () => {
  const room = uniqueRoom('polling');
  await bothGatewaysInRotation();
  const baseline = await Promise.all([connectionsOn(ports.gateway1Ops), connectionsOn(ports.gateway2Ops)]);
  // withCredentials keeps the balancer's cookie, as a browser does: every poll of one client
  // then reaches the gateway that holds its session.
  const clients = await Promise.all(
    ['p1', 'p2', 'p3', 'p4'].map((user) =>
      connectClient(loadBalancer, { user }, { transports: ['polling'], withCredentials: true }),
    ),
  );
  sockets.push(...clients);
  const counts = await Promise.all([connectionsOn(ports.gateway1Ops), connectionsOn(ports.gateway2Ops)]);
  assert.ok(
    counts[0]! > baseline[0]! && counts[1]! > baseline[1]!,
    `clients should land on both gateways: ${counts} (before ${baseline})`,
  );

  const seen = clients.map((c) => record<ChatMessage>(c, ServerEvent.Message));
  for (const c of clients) assert.equal((await request(c, ClientEvent.RoomJoin, { room })).ok, true);
  const acks = await Promise.all(
    clients.map((c, i) =>
      request(c, ClientEvent.MessageSend, { room, clientMsgId: `poll-${i}`, body: `from ${i}` }),
    ),
  );
  assert.ok(
    acks.every((a) => a.ok === true),
    JSON.stringify(acks),
  );
  await eventually('every client receives every message', () =>
    seen.every((s) => s.length === clients.length),
  );
  for (const s of seen) {
    assert.deepEqual(new Set(s.map((m) => m.id)), new Set(acks.map((a) => a.id)));
  }
  for (const c of clients) assert.equal(c.io.engine.transport.name, 'polling');
});
