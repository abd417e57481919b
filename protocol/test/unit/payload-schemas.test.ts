import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  historyQuerySchema,
  messageSendSchema,
  roomJoinSchema,
  userIdSchema,
  utf8Length,
} from '../../src/index.ts';

test('a well-formed send passes', () => {
  const parsed = messageSendSchema.parse({ room: 'general', clientMsgId: 'c-1', body: 'hi' });
  assert.equal(parsed.room, 'general');
});

test('room names are restricted', () => {
  for (const room of ['', ' x', '../etc', 'a'.repeat(129), 'room with space', '#chan']) {
    assert.equal(roomJoinSchema.safeParse({ room }).success, false, room);
  }
  for (const room of ['general', 'team.eng', 'dm:alice:bob', 'r-1_2']) {
    assert.equal(roomJoinSchema.safeParse({ room }).success, true, room);
  }
});

test('unknown fields and wrong types are rejected', () => {
  assert.equal(
    messageSendSchema.safeParse({ room: 'a', clientMsgId: 'c', body: 'x', extra: 1 }).success,
    false,
  );
  assert.equal(messageSendSchema.safeParse({ room: 'a', clientMsgId: 'c', body: 42 }).success, false);
  assert.equal(messageSendSchema.safeParse('not an object').success, false);
  assert.equal(
    messageSendSchema.safeParse({ room: 'a', clientMsgId: 'has space', body: 'x' }).success,
    false,
  );
});

test('history query: limit capped, before and after exclusive', () => {
  assert.equal(historyQuerySchema.parse({}).limit, 50);
  assert.equal(historyQuerySchema.safeParse({ limit: '1000' }).success, false);
  const id = '01890a5d-ac96-774b-bcce-b302099a8057';
  assert.equal(historyQuerySchema.safeParse({ before: id, after: id }).success, false);
  assert.equal(historyQuerySchema.parse({ before: id, limit: '10' }).limit, 10);
});

test('body size is counted in UTF-8 bytes', () => {
  assert.equal(utf8Length('héllo'), 6);
  assert.equal(utf8Length('👋'), 4);
});

test('a body or sender with NUL is refused: PostgreSQL could never store it (G2)', () => {
  assert.equal(messageSendSchema.safeParse({ room: 'a', clientMsgId: 'c', body: 'a\u0000b' }).success, false);
  assert.equal(userIdSchema.safeParse('al\u0000ice').success, false);
  assert.equal(userIdSchema.safeParse(12345).success, false);
  assert.equal(userIdSchema.safeParse('alice').success, true);
});
