import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageIdAt } from '@switchboard/protocol';
import { toChatMessage, toMessageRow } from '../../src/messages.ts';

const message = {
  id: messageIdAt(1_700_000_000_123),
  room: 'general',
  sender: 'alice',
  body: 'hello',
  ts: 1_700_000_000_123,
  clientMsgId: 'c1',
};

test('a message becomes its row: ts as created_at, every other field as is', () => {
  assert.deepEqual(toMessageRow(message), {
    id: message.id,
    room: 'general',
    sender: 'alice',
    clientMsgId: 'c1',
    body: 'hello',
    createdAt: new Date(1_700_000_000_123),
  });
});

test('a row reads back as the same message, to the millisecond', () => {
  assert.deepEqual(toChatMessage(toMessageRow(message)), message);
  // A row read with every column (persisted_at too) maps the same.
  const stored = { ...toMessageRow(message), persistedAt: new Date() };
  assert.deepEqual(toChatMessage(stored), message);
});
