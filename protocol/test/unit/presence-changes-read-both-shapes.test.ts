import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presenceChanges } from '../../src/presence.ts';

test('one change and a window of changes read the same way', () => {
  assert.deepEqual(presenceChanges({ room: 'r', joined: 'ann' }), { joined: ['ann'], left: [] });
  assert.deepEqual(presenceChanges({ room: 'r', left: 'bo' }), { joined: [], left: ['bo'] });
  assert.deepEqual(presenceChanges({ room: 'r', joinedUsers: ['ann', 'cy'], leftUsers: ['bo'] }), {
    joined: ['ann', 'cy'],
    left: ['bo'],
  });
  assert.deepEqual(presenceChanges({ room: 'r', online: ['ann'] }), { joined: [], left: [] });
});
