import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, isLoopback } from '../../src/limits/client-address.ts';

test('without trusted proxies the TCP peer counts and X-Forwarded-For is ignored', () => {
  assert.equal(clientAddress('10.0.0.7', '203.0.113.9', 0), '10.0.0.7');
  assert.equal(clientAddress('::ffff:10.0.0.7', undefined, 0), '10.0.0.7');
});

test('behind one proxy the address it saw counts, not what the client wrote to the left', () => {
  assert.equal(clientAddress('10.0.0.1', '203.0.113.9', 1), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.1', '1.1.1.1, 203.0.113.9', 1), '203.0.113.9');
  // Node joins repeated headers; each is a list of its own.
  assert.equal(clientAddress('10.0.0.1', ['1.1.1.1', '203.0.113.9'], 1), '203.0.113.9');
});

test('behind two proxies the entry two hops from the right counts', () => {
  assert.equal(clientAddress('10.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2', 2), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.1', '203.0.113.9', 2), '203.0.113.9');
});

test('a trusted proxy that sent no header: the peer counts', () => {
  assert.equal(clientAddress('10.0.0.1', undefined, 1), '10.0.0.1');
  assert.equal(clientAddress('10.0.0.1', ' , ', 1), '10.0.0.1');
});

test('loopback is 127.0.0.0/8 and ::1, nothing else', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1']) assert.equal(isLoopback(a), true, a);
  for (const a of ['10.0.0.1', '::2', '1270.0.0.1', 'localhost', '']) assert.equal(isLoopback(a), false, a);
});
