import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, type HistoryPage, ServerEvent } from '@switchboard/protocol';
import { HOST, ports, redisCluster, redisNodeOfKey, restartRedisNode } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { shardTag } from '../src/redis-shard-tags.ts';
import { connectClient, eventually, record, request, tokenFor, uniqueRoom } from './support/clients.ts';

// Only a Redis Cluster stack has one node to restart while the others serve.
const skip = redisCluster
  ? false
  : 'needs the Redis Cluster stack (SB_REDIS_CLUSTER=1; make test-redis-cluster)';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

type JoinReply = { ok: boolean; missed?: ChatMessage[]; complete?: boolean; error?: { code: string } };

/** A member as a client keeps its room: every message once, by id. */
type Member = {
  user: string;
  url: string;
  socket: Socket;
  live: ChatMessage[];
  view: Map<string, ChatMessage>;
};

async function member(user: string, url: string, room: string): Promise<Member> {
  const socket = await connectClient(url, { user });
  sockets.push(socket);
  const live = record<ChatMessage>(socket, ServerEvent.Message);
  assert.equal((await request(socket, ClientEvent.RoomJoin, { room })).ok, true);
  return { user, url, socket, live, view: new Map() };
}

/**
 * What a client does after trouble: rejoin with the last id it saw and, while the answer is
 * not complete, page history after the last message it has (waiting out 503s).
 */
async function catchUp(m: Member, room: string, since: string): Promise<void> {
  const reply = await request<JoinReply>(m.socket, ClientEvent.RoomJoin, { room, since });
  assert.equal(reply.ok, true, JSON.stringify(reply));
  for (const msg of reply.missed ?? []) m.view.set(msg.id, msg);
  if (reply.complete) return;
  const token = await tokenFor(m.user);
  let cursor: string | undefined = reply.missed?.at(-1)?.id ?? since;
  await eventually(`${m.user} has paged history to the end`, async () => {
    const res = await fetch(`${m.url}/v1/rooms/${room}/messages?after=${cursor}&limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 503) return false;
    assert.equal(res.status, 200, await res.clone().text());
    const page = (await res.json()) as HistoryPage;
    for (const msg of page.messages) m.view.set(msg.id, msg);
    cursor = page.nextAfter ?? undefined;
    return cursor === undefined;
  });
}

/** A user whose rate bucket and dedup entries live on `node`, so its sends meet the restart too. */
async function userOnNode(node: number): Promise<string> {
  for (let i = 0; ; i++) {
    if ((await redisNodeOfKey(shardTag(`sender-${i}`))) === node) return `sender-${i}`;
  }
}

test('the Redis Cluster node holding a room is killed -9 and comes back empty while messages flow: members that rejoin with `since` have every acknowledged message exactly once (G3, G9)', {
  skip,
}, async () => {
  const room = uniqueRoom('node-restart');
  // The room's keys and channel carry the `{room}` hash tag: one slot, one node.
  const node = await redisNodeOfKey(`{${room}}`);
  const early = await member('early-rejoiner', gatewayA, room);
  const late = await member('late-rejoiner', gatewayB, room);
  const sender = await connectClient(gatewayA, { user: await userOnNode(node) });
  sockets.push(sender);
  assert.equal((await request(sender, ClientEvent.RoomJoin, { room })).ok, true);

  // The sender retries a failed or unanswered send with the same clientMsgId, as clients do.
  const acked: { id: string; clientMsgId: string }[] = [];
  const send = async (clientMsgId: string) => {
    await eventually(
      `${clientMsgId} is acknowledged`,
      async () => {
        const ack = await request(
          sender,
          ClientEvent.MessageSend,
          { room, clientMsgId, body: clientMsgId },
          5000,
        ).catch(() => undefined);
        if (ack?.ok) {
          acked.push({ id: ack.id, clientMsgId });
          return true;
        }
        if (ack) assert.equal(ack.error.retryable, true, JSON.stringify(ack));
        return false;
      },
      60_000,
    );
  };
  const load = (async () => {
    for (let i = 0; i < 40; i++) await send(`m${i}`);
  })();

  await eventually('both members have seen the first messages', () =>
    [early, late].every((m) => m.live.length >= 10),
  );
  const sinceOf = new Map([early, late].map((m) => [m, m.live.at(-1)!.id]));
  for (const m of [early, late]) for (const msg of m.live) m.view.set(msg.id, msg);
  await restartRedisNode(node);
  // One member rejoins as soon as the cluster is back (messages still flowing), the other once
  // the sender is done.
  await catchUp(early, room, sinceOf.get(early)!);
  await load;
  await catchUp(late, room, sinceOf.get(late)!);

  const ids = acked.map((a) => a.id);
  for (const m of [early, late]) {
    await eventually(`${m.user} has every acknowledged message`, () => {
      for (const msg of m.live) m.view.set(msg.id, msg);
      return ids.every((id) => m.view.has(id));
    });
    const view = [...m.view.values()];
    assert.deepEqual(
      view.filter((msg) => !ids.includes(msg.id)).map((msg) => msg.clientMsgId),
      [],
      `${m.user}: nothing unacknowledged, no retry as a second message`,
    );
    assert.deepEqual(
      view.map((msg) => msg.body).sort(),
      acked.map((a) => a.clientMsgId).sort(),
      `${m.user}: each message once, with its body`,
    );
  }
});
