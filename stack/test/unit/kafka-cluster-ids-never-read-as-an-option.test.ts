import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomClusterId } from '../../src/services/kafka.ts';

// One id in 64 drawn plainly starts with '-': `kafka-storage format -t -...` then fails the
// stack's start ("expected one argument"), which a CI run met.
test('a cluster id is 22 base64url characters and never starts with a dash', () => {
  for (let i = 0; i < 20_000; i++) {
    const id = randomClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});
