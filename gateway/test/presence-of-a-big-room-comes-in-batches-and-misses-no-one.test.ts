import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent, type PresenceEvent, presenceChanges, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, type Reply, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// The crowd's gateway announces once a second, so joins land inside one window even on a
// loaded machine; the other gateway is the stack's.
let crowdGateway: GatewayProcess;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const sockets: Socket[] = [];
before(async () => {
  crowdGateway = await startGateway({ PRESENCE_WINDOW_MS: '1000' });
});
after(async () => {
  for (const s of sockets) s.close();
  await stopGateway(crowdGateway);
});

/** A member's idea of who is online: its join ack's list, then every presence event applied. */
type Member = { user: string; socket: Socket; online: Set<string>; events: PresenceEvent[] };

async function member(url: string, user: string): Promise<Member> {
  const socket = await connectClient(url, { user });
  sockets.push(socket);
  const m: Member = { user, socket, online: new Set(), events: [] };
  socket.on(ServerEvent.Presence, (event: PresenceEvent) => {
    m.events.push(event);
    const { joined, left } = presenceChanges(event);
    for (const u of joined) m.online.add(u);
    for (const u of left) m.online.delete(u);
  });
  return m;
}

async function join(m: Member, room: string) {
  const ack = await request<Reply>(m.socket, ClientEvent.RoomJoin, { room });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  for (const u of ack.presence ?? []) m.online.add(u);
}

/** Runs `task` over `items`, `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(task));
}

test('in a room that fills at once, presence comes in batches and every member learns who is online', async () => {
  const room = uniqueRoom('presence-big');
  const count = 80;
  const users = Array.from({ length: count }, (_, i) => `crowd-${i}`);
  // One member on the other gateway: it learns the crowd from the batches of a pod it is not on.
  const elsewhere = await member(gatewayB, users[0]!);
  await join(elsewhere, room);
  const crowd: Member[] = [elsewhere];
  await inBatches(users.slice(1), 20, async (user) => void crowd.push(await member(crowdGateway.url, user)));
  await inBatches(crowd.slice(1), 10, (m) => join(m, room));

  const everyone = new Set(users);
  await eventually('every member sees every member online', () =>
    crowd.every((m) => m.online.size === count),
  );
  for (const m of crowd) assert.deepEqual(m.online, everyone, `${m.user}'s view`);
  // Each joiner hears its own join (the broadcast that gives it a recovery offset).
  for (const m of crowd) {
    assert.ok(
      m.events.some((e) => e.joined === m.user || e.joinedUsers?.includes(m.user)),
      `${m.user} heard its own join`,
    );
  }
  // One event per join would deliver, to the members already there, 0 + 1 + ... + (count - 1).
  const delivered = crowd.reduce((sum, m) => sum + m.events.length, 0);
  assert.ok(
    delivered < (count * (count - 1)) / 2,
    `${delivered} presence events delivered: fewer than one per join and member`,
  );
  assert.ok(
    crowd.some((m) => m.events.some((e) => (e.joinedUsers?.length ?? 0) > 1)),
    'joins close together arrive in one event',
  );

  // Leaving: everyone else learns it, whichever shape the event has.
  const leavers = crowd.slice(1, 6);
  await Promise.all(leavers.map((m) => request(m.socket, ClientEvent.RoomLeave, { room })));
  const stayers = crowd.filter((m) => !leavers.includes(m));
  await eventually('the others see the leavers go', () =>
    stayers.every((m) => leavers.every((l) => !m.online.has(l.user))),
  );
  for (const m of stayers) assert.equal(m.online.size, count - leavers.length, `${m.user}'s view`);
});
