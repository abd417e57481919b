import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHARDS, shardTag } from '../../src/redis-shard-tags.ts';

// Redis hashes a key by what is between its first `{` and the next `}`: a brace in a user id
// must not change which slot a user's keys land in, nor leave an empty tag (`{}`).
test('a shard tag holds no brace whatever the id holds, and is the same for the same id', () => {
  for (const id of ['alice', '}', '{x}', '}{', 'a}b', '', 'ü'.repeat(100)]) {
    const tag = shardTag(id);
    assert.match(tag, /^\{s\d+\}$/, id);
    assert.ok(Number(tag.slice(2, -1)) < SHARDS);
    assert.equal(shardTag(id), tag);
  }
});
