import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOnline, unnamedAtJoin } from '../../src/core/online-summary.ts';

test('a room listed whole names everyone', () => {
  assert.equal(unnamedAtJoin({ presence: ['ann', 'bob'], onlineCount: 2 }), 0);
  assert.equal(describeOnline(new Set(['bob', 'ann']), 0), 'Online (2): ann, bob');
  assert.equal(describeOnline(new Set(), 0), 'Online (0): nobody yet');
});

test("a big room's partial ack: the users it did not name are counted", () => {
  const unnamed = unnamedAtJoin({ presence: ['ann', 'bob'], onlineCount: 1002, partial: true });
  assert.equal(unnamed, 1000);
  assert.equal(describeOnline(new Set(['bob', 'ann']), unnamed), 'Online (1,002): ann, bob and 1,000 more');
});
