import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, request, uniqueRoom, within } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// Members sit on gateway C, which is killed -9 under load; senders are on the stack's gateway A.
const gatewayA = `http://${HOST}:${ports.gateway1}`;
let gatewayC: GatewayProcess;
const sockets: Socket[] = [];
before(async () => {
  gatewayC = await startGateway();
});
after(async () => {
  for (const s of sockets) s.close();
  await stopGateway(gatewayC, 'SIGKILL');
});

type Member = { user: string; seen: ChatMessage[]; beforeCrash: Set<string>; missed: ChatMessage[] };

function listen(socket: Socket, member: Member) {
  socket.on(ServerEvent.Message, (m: ChatMessage) => member.seen.push(m));
}

test('members of a crashed gateway rejoin elsewhere with `since` and get every acknowledged message once (G9)', async () => {
  const rooms = [uniqueRoom('crash-a'), uniqueRoom('crash-b')];
  const members: (Member & { room: string; socket: Socket })[] = [];
  for (const [i, room] of [...rooms, ...rooms].entries()) {
    const user = `member-${i}`;
    const socket = await connectClient(gatewayC.url, { user });
    sockets.push(socket);
    const member = { user, room, socket, seen: [], beforeCrash: new Set<string>(), missed: [] };
    listen(socket, member);
    assert.equal((await request(socket, ClientEvent.RoomJoin, { room })).ok, true);
    members.push(member);
  }
  const senders = await Promise.all(rooms.map((_, i) => connectClient(gatewayA, { user: `sender-${i}` })));
  sockets.push(...senders);
  for (const [i, s] of senders.entries()) await request(s, ClientEvent.RoomJoin, { room: rooms[i]! });

  const acked = new Map<string, string[]>(rooms.map((r) => [r, []]));
  let sending = true;
  const load = Promise.all(
    senders.map(async (s, i) => {
      const room = rooms[i]!;
      for (let n = 0; sending || n < 20; n++) {
        const ack = await request(s, ClientEvent.MessageSend, { room, clientMsgId: `n${n}`, body: `n${n}` });
        if (ack.ok) acked.get(room)!.push(ack.id);
        await new Promise((r) => setTimeout(r, 15));
        if (n >= 60) break;
      }
    }),
  );
  await eventually('every member has seen some messages', () => members.every((m) => m.seen.length >= 3));
  gatewayC.child.kill('SIGKILL');
  await gatewayC.exited;
  for (const m of members) {
    for (const msg of m.seen) m.beforeCrash.add(msg.id);
  }

  // Each member comes back on gateway A as a fresh session, with the last id it saw.
  await Promise.all(
    members.map(async (m) => {
      const since = m.seen.at(-1)!.id;
      const socket = await connectClient(gatewayA, { user: m.user });
      sockets.push(socket);
      listen(socket, m);
      const reply = await within(
        request<{ ok: boolean; missed: ChatMessage[]; complete: boolean }>(socket, ClientEvent.RoomJoin, {
          room: m.room,
          since,
        }),
        'the rejoin',
      );
      assert.equal(reply.ok, true, JSON.stringify(reply));
      assert.equal(reply.complete, true);
      m.missed = reply.missed;
      m.seen.push(...reply.missed);
    }),
  );
  sending = false;
  await load;

  for (const m of members) {
    const all = acked.get(m.room)!;
    const first = all.indexOf([...m.beforeCrash][0]!);
    const expected = all.slice(first);
    await eventually(`${m.user} has every acknowledged message`, () => {
      const ids = new Set(m.seen.map((s) => s.id));
      return expected.every((id) => ids.has(id));
    });
    assert.deepEqual(
      m.missed.filter((x) => m.beforeCrash.has(x.id)).map((x) => x.id),
      [],
      'the catch-up repeats nothing the member had seen',
    );
    const ids = [...new Set(m.seen.map((s) => s.id))];
    assert.deepEqual(
      ids.filter((id) => !all.includes(id)),
      [],
      'nothing unacknowledged or from another room',
    );
  }
});
