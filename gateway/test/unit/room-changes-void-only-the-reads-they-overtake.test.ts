import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createChangeWatch } from '../../src/rooms/change-watch.ts';

test("a member's change voids the reads of that member only", () => {
  const watches = createChangeWatch();
  const ann = watches.open('r', 'ann');
  const bob = watches.open('r', 'bob');
  const annElsewhere = watches.open('s', 'ann');

  watches.changed('r', 'ann');

  assert.deepEqual([ann.voided, bob.voided, annElsewhere.voided], [true, false, false]);
});

test("a room's change voids every read of that room and none of another", () => {
  const watches = createChangeWatch();
  const ann = watches.open('r', 'ann');
  const bob = watches.open('r', 'bob');
  const other = watches.open('s', 'ann');

  watches.changed('r', undefined);

  assert.deepEqual([ann.voided, bob.voided, other.voided], [true, true, false]);
});

test('the change a read makes itself does not void it, but voids the others on its key', () => {
  const watches = createChangeWatch();
  const joining = watches.open('r', 'ann');
  const sending = watches.open('r', 'ann');

  watches.changed('r', 'ann', joining);
  watches.changed('r', undefined, joining);

  assert.deepEqual([joining.voided, sending.voided], [false, true]);
});

test('losing the change channel voids every open read', () => {
  const watches = createChangeWatch();
  const reads = [watches.open('r', 'ann'), watches.open('s', 'bob')];

  watches.changedAll();

  assert.deepEqual(
    reads.map((w) => w.voided),
    [true, true],
  );
});

test('a read that is over is not voided by later changes and is no longer held', () => {
  const watches = createChangeWatch();
  const done = watches.open('r', 'ann');
  const twin = watches.open('r', 'ann');
  watches.close(done);
  watches.close(done);

  watches.changed('r', 'ann');

  assert.equal(done.voided, false);
  assert.equal(twin.voided, true);
  watches.close(twin);
  assert.equal(watches.size(), 0);
});
