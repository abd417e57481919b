import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PresenceEvent, presenceChanges } from '@switchboard/protocol';
import { presenceWindowMs } from '../../src/sockets/presence.ts';
import { createPresenceBatches } from '../../src/sockets/presence-batches.ts';

function recorder() {
  const sent: PresenceEvent[] = [];
  return { sent, emit: (_room: string, event: PresenceEvent) => void sent.push(event) };
}

test('the first change of a quiet room goes out at once, in the single-user shape', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, emit } = recorder();
  const batches = createPresenceBatches(emit, () => 200);
  batches.add('r', 'ann', true);
  assert.deepEqual(sent, [{ room: 'r', joined: 'ann' }]);
  t.mock.timers.tick(200);
  batches.add('r', 'ann', false);
  t.mock.timers.tick(200);
  // A whole window without a change: the room is quiet again, the next change goes out at once.
  batches.add('r', 'bob', true);
  assert.deepEqual(sent, [
    { room: 'r', joined: 'ann' },
    { room: 'r', left: 'ann' },
    { room: 'r', joined: 'bob' },
  ]);
  batches.stop();
});

test('a thousand joins within one window make two events that name every joiner', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, emit } = recorder();
  const batches = createPresenceBatches(emit, () => 200);
  const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
  for (const user of users) batches.add('big', user, true);
  assert.equal(sent.length, 1);
  t.mock.timers.tick(200);
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1], { room: 'big', joinedUsers: users.slice(1) });
  t.mock.timers.tick(1000);
  assert.equal(sent.length, 2, 'nothing more once the room is quiet');
  batches.stop();
});

test('joins spread over time make at most one event per window', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, emit } = recorder();
  const batches = createPresenceBatches(emit, () => 200);
  // 1,000 joins, one every 2 ms (2 s in all): 1 + 2000/200 events, not 1,000.
  for (let i = 0; i < 1000; i++) {
    batches.add('big', `u${i}`, true);
    t.mock.timers.tick(2);
  }
  t.mock.timers.tick(400);
  assert.equal(sent.length, 11);
  const named = sent.flatMap((e) => presenceChanges(e).joined);
  assert.deepEqual(new Set(named).size, 1000, 'every joiner is named once');
  batches.stop();
});

test("a window carries each user's last change only, joins and leaves apart", (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, emit } = recorder();
  const batches = createPresenceBatches(emit, () => 200);
  batches.add('r', 'ann', true);
  batches.add('r', 'bob', true);
  batches.add('r', 'cat', true);
  batches.add('r', 'bob', false);
  batches.add('r', 'dan', false);
  batches.add('r', 'dan', true);
  t.mock.timers.tick(200);
  assert.deepEqual(sent, [
    { room: 'r', joined: 'ann' },
    { room: 'r', joinedUsers: ['cat', 'dan'], leftUsers: ['bob'] },
  ]);
  batches.stop();
});

test('rooms have windows of their own', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, emit } = recorder();
  const batches = createPresenceBatches(emit, () => 200);
  batches.add('a', 'ann', true);
  batches.add('b', 'bob', true);
  assert.deepEqual(sent, [
    { room: 'a', joined: 'ann' },
    { room: 'b', joined: 'bob' },
  ]);
  batches.stop();
});

test('stop drops what is pending', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, emit } = recorder();
  const batches = createPresenceBatches(emit, () => 200);
  batches.add('r', 'ann', true);
  batches.add('r', 'bob', true);
  batches.stop();
  t.mock.timers.tick(1000);
  assert.deepEqual(sent, [{ room: 'r', joined: 'ann' }]);
});

test("a window's length is the room's own, read when the window starts", (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, emit } = recorder();
  const batches = createPresenceBatches(emit, (room) => (room === 'big' ? 1000 : 200));
  for (const room of ['big', 'small']) {
    batches.add(room, 'ann', true);
    batches.add(room, 'bob', true);
  }
  t.mock.timers.tick(200);
  assert.deepEqual(
    sent.map((e) => e.room),
    ['big', 'small', 'small'],
  );
  t.mock.timers.tick(800);
  assert.deepEqual(
    sent.map((e) => e.room),
    ['big', 'small', 'small', 'big'],
  );
  batches.stop();
});

test('a room gets one more base window per 200 users, at most 5 s', () => {
  assert.deepEqual(
    [0, 1, 200, 201, 1000, 5000, 100_000].map((users) => presenceWindowMs(users, 200)),
    [200, 200, 200, 400, 1000, 5000, 5000],
  );
});
