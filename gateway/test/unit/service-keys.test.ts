import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServiceKeys } from '../../src/auth/service-keys.ts';

const a = 'a'.repeat(40);
const b = 'key-two-0123456789-0123456789-0123456789';

test('any of several keys matches (rotation); anything else does not', () => {
  const keys = createServiceKeys([a, b]);
  assert.equal(keys.size, 2);
  assert.ok(keys.matches(a));
  assert.ok(keys.matches(b));
  for (const wrong of ['', a.slice(1), `${a}a`, b.toUpperCase(), 'eyJhbGciOiJIUzI1NiJ9.e30.x']) {
    assert.equal(keys.matches(wrong), false, wrong);
  }
});

test('no keys: nothing matches (the server API is off)', () => {
  const keys = createServiceKeys([]);
  assert.equal(keys.size, 0);
  assert.equal(keys.matches(''), false);
  assert.equal(keys.matches(a), false);
});
