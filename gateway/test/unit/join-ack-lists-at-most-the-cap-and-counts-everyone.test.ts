import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlineList } from '../../src/sockets/presence.ts';

test('a room within the cap is listed whole and sorted, without partial', () => {
  assert.deepEqual(onlineList(3, ['cid', 'ann', 'bob']), { presence: ['ann', 'bob', 'cid'], onlineCount: 3 });
});

test('a room beyond the cap lists the names it got, counts everyone and says partial', () => {
  assert.deepEqual(onlineList(1000, ['bob', 'ann']), {
    presence: ['ann', 'bob'],
    onlineCount: 1000,
    partial: true,
  });
});

test('a count read before a user left never says fewer than the names listed', () => {
  assert.deepEqual(onlineList(1, ['ann', 'bob']), { presence: ['ann', 'bob'], onlineCount: 2 });
});
