import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoomBatches } from '../../src/rooms/room-batches.ts';

/** A query that records its calls and answers only when told to. */
function heldQuery() {
  const calls: { room: string; users: string[]; answer(fail?: Error): void }[] = [];
  const query = (room: string, users: string[]) =>
    new Promise<(user: string) => string>((resolve, reject) => {
      calls.push({
        room,
        users,
        answer: (fail) =>
          fail
            ? reject(fail)
            : resolve((user) => {
                if (user === 'broken') throw new Error('no answer for broken');
                return `${room}:${user}`;
              }),
      });
    });
  return { calls, query };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('requests made while a query of the room runs go together in the next query', async () => {
  const { calls, query } = heldQuery();
  const batches = createRoomBatches(query, { maxBatch: 100 });
  const first = batches.load('r', 'ann');
  await tick();
  const later = ['bob', 'cid', 'dan'].map((user) => batches.load('r', user));
  await tick();
  assert.equal(calls.length, 1);

  calls[0]?.answer();
  assert.equal(await first, 'r:ann');
  await tick();
  assert.deepEqual(
    calls.map((c) => c.users),
    [['ann'], ['bob', 'cid', 'dan']],
  );
  calls[1]?.answer();
  assert.deepEqual(await Promise.all(later), ['r:bob', 'r:cid', 'r:dan']);
});

test('requests of the same tick share the first query; one user asked twice is asked once', async () => {
  const { calls, query } = heldQuery();
  const batches = createRoomBatches(query, { maxBatch: 100 });
  const asked = [batches.load('r', 'ann'), batches.load('r', 'bob'), batches.load('r', 'ann')];
  await tick();
  assert.deepEqual(calls[0]?.users, ['ann', 'bob']);
  calls[0]?.answer();
  assert.deepEqual(await Promise.all(asked), ['r:ann', 'r:bob', 'r:ann']);
});

test('each room has its own queries', async () => {
  const { calls, query } = heldQuery();
  const batches = createRoomBatches(query, { maxBatch: 100 });
  const asked = [batches.load('r', 'ann'), batches.load('s', 'ann')];
  await tick();
  assert.deepEqual(
    calls.map((c) => [c.room, c.users]),
    [
      ['r', ['ann']],
      ['s', ['ann']],
    ],
  );
  for (const call of calls) call.answer();
  assert.deepEqual(await Promise.all(asked), ['r:ann', 's:ann']);
});

test('a crowd bigger than a batch takes several queries, one after the other', async () => {
  const { calls, query } = heldQuery();
  const batches = createRoomBatches(query, { maxBatch: 2 });
  const asked = ['a', 'b', 'c', 'd', 'e'].map((user) => batches.load('r', user));
  for (let i = 0; i < 3; i++) {
    await tick();
    assert.equal(calls.length, i + 1, 'one query in flight at a time');
    calls[i]?.answer();
  }
  assert.deepEqual(
    calls.map((c) => c.users),
    [['a', 'b'], ['c', 'd'], ['e']],
  );
  assert.equal((await Promise.all(asked)).length, 5);
});

test('a failed query fails its own requests only; the next batch still goes', async () => {
  const { calls, query } = heldQuery();
  const batches = createRoomBatches(query, { maxBatch: 100 });
  const failing = batches.load('r', 'ann');
  await tick();
  const next = [batches.load('r', 'bob'), batches.load('r', 'broken')];
  calls[0]?.answer(new Error('database down'));
  await assert.rejects(failing, /database down/);
  await tick();
  calls[1]?.answer();
  assert.equal(await next[0], 'r:bob');
  await assert.rejects(next[1] as Promise<string>, /no answer for broken/);
});
