import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Shards of the keys kept per user or address: each is one Redis Cluster slot. */
export const SHARDS = 1024;

// The ids of recent senders and connections: a send asks for its sender's tag three times
// (budget, dedup entry, settle), and a digest costs more than the lookup.
const recent = new LRUCache<string, string>({ max: 10_000 });

/**
 * The hash tag of an id's keys (`{s<shard>}`). Under a Redis Cluster one script may only touch
 * keys of one slot, and Redis hashes only what is between a key's first `{` and the next `}`:
 * keys that go together (a sender's send bucket, its dedup entries and the dedup epoch of its
 * shard) put this tag right after a prefix without braces. The shard comes from a digest of the
 * id, so the tag holds no brace whatever the id does (a user id is any text), and the epoch of
 * a shard is one key that lives and dies with that shard's entries.
 */
export function shardTag(id: string): string {
  let tag = recent.get(id);
  if (tag === undefined) {
    tag = `{s${hash('sha256', id, 'buffer').readUInt16BE(0) % SHARDS}}`;
    recent.set(id, tag);
  }
  return tag;
}
