import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatMessage, messageIdAt } from '@switchboard/protocol';
import { RoomTimeline } from '../src/core/room-timeline.ts';

/**
 * The client's per-room timeline: live deliveries, history pages (older and gap-filling) and
 * acknowledgements arrive in any order and overlap; the reader sees each message once, in
 * server id order (G4), with its own unacknowledged messages after them.
 */
const room = 'lobby';
let n = 0;
function message(sender: string, at: number, body = `m${at}`): ChatMessage {
  return { id: messageIdAt(at), room, sender, body, ts: at, clientMsgId: `c${n++}` };
}
const bodies = (t: RoomTimeline) =>
  t
    .entries()
    .map((e) => (e.kind === 'message' ? e.message.body : `(${e.outgoing.state}) ${e.outgoing.body}`));

test('messages from live delivery and history pages appear once each, ordered by id', () => {
  const t = new RoomTimeline(room, 'alice');
  const [a, b, c, d] = [1000, 2000, 3000, 4000].map((at) => message('bob', at));
  assert.equal(t.add(c!), true); // live, before the first history page came back
  for (const m of [a!, b!, c!]) t.add(m); // latest page overlaps the live one
  assert.equal(t.add(c!), false, 'a known id is not added again');
  t.add(d!);
  assert.deepEqual(bodies(t), ['m1000', 'm2000', 'm3000', 'm4000']);
  assert.equal(t.oldestId, a!.id);
  assert.equal(t.newestId, d!.id, 'the catch-up point after an absence');
});

test('an own message is pending, then takes its place by server id when acknowledged', () => {
  const t = new RoomTimeline(room, 'alice');
  t.add(message('bob', 1000));
  const pending = t.queue('c-own', 'hello');
  assert.deepEqual(bodies(t), ['m1000', '(pending) hello']);
  t.add(message('bob', 3000)); // arrives while ours waits: ours stays last until acknowledged
  assert.deepEqual(bodies(t), ['m1000', 'm3000', '(pending) hello']);
  const serverId = messageIdAt(2000);
  t.acknowledge(pending.clientMsgId, serverId, 2000);
  assert.deepEqual(bodies(t), ['m1000', 'hello', 'm3000']);
  const own = t.entries()[1]!;
  assert.ok(own.kind === 'message' && own.mine && own.message.id === serverId);
});

test('the broadcast of an own message settles it even before the ack, and the ack adds nothing', () => {
  const t = new RoomTimeline(room, 'alice');
  t.queue('c-own', 'hi');
  const echoed: ChatMessage = {
    id: messageIdAt(5000),
    room,
    sender: 'alice',
    body: 'hi',
    ts: 5000,
    clientMsgId: 'c-own',
  };
  t.add(echoed);
  t.acknowledge('c-own', echoed.id, echoed.ts);
  assert.deepEqual(bodies(t), ['hi']);
  assert.equal(t.size, 1);
});

test('a failed message keeps its typed error and its clientMsgId for the retry', () => {
  const t = new RoomTimeline(room, 'alice');
  t.queue('c-1', 'flood');
  t.fail('c-1', { code: 'RATE_LIMITED', message: 'slow down', retryable: true, retryAfterMs: 200 });
  const entry = t.entries()[0]!;
  assert.ok(entry.kind === 'outgoing');
  assert.equal(entry.outgoing.state, 'failed');
  assert.equal(entry.outgoing.error?.code, 'RATE_LIMITED');
  assert.equal(entry.outgoing.clientMsgId, 'c-1');
  // The pending and acknowledged forms share one key, so a view keeps the same element.
  t.acknowledge('c-1', messageIdAt(6000), 6000);
  assert.equal(t.entries()[0]!.key, entry.key);
});
