import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '@switchboard/protocol';
import { logStartToAwait } from '../../src/catch-up/log-coverage.ts';

const message = (id: string): ChatMessage => ({
  id,
  room: 'r',
  sender: 's',
  clientMsgId: id,
  body: id,
  ts: 0,
});
const log = (trimmed: boolean, ...ids: string[]) => ({ messages: ids.map(message), trimmed });

test('a log that dropped nothing covers every page by itself', () => {
  assert.equal(logStartToAwait(log(false, 'b', 'c'), { limit: 5 }), undefined);
  assert.equal(logStartToAwait(log(false, 'b', 'c'), { after: 'a', limit: 5 }), undefined);
  assert.equal(logStartToAwait(log(true), { after: 'a', limit: 5 }), undefined);
});

test('a trimmed log: an after page starting before its first entry waits for that entry to be stored', () => {
  assert.equal(logStartToAwait(log(true, 'b', 'c'), { after: 'a', limit: 1 }), 'b');
  assert.equal(logStartToAwait(log(true, 'b', 'c'), { after: 'b', limit: 5 }), undefined);
  assert.equal(logStartToAwait(log(true, 'b', 'c'), { after: 'c', limit: 5 }), undefined);
});

test('a trimmed log: a newest-first page waits only when the log cannot fill it', () => {
  assert.equal(logStartToAwait(log(true, 'b', 'c', 'd'), { limit: 3 }), undefined);
  assert.equal(logStartToAwait(log(true, 'b', 'c', 'd'), { limit: 4 }), 'b');
  assert.equal(logStartToAwait(log(true, 'b', 'c', 'd'), { before: 'd', limit: 2 }), undefined);
  assert.equal(logStartToAwait(log(true, 'b', 'c', 'd'), { before: 'd', limit: 3 }), 'b');
});
