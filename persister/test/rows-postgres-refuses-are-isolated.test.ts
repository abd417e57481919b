import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDatabase, type MessageRow } from '@switchboard/db';
import { newMessageId } from '@switchboard/protocol';
import { serviceEnv } from '@switchboard/stack';
import { writeRows } from '../src/message-writer.ts';

const db = createDatabase(serviceEnv().DATABASE_URL);
after(() => db.$disconnect());

test('a row PostgreSQL refuses is isolated by halving the chunk; its neighbours are written', async () => {
  const room = `refused-${newMessageId()}`;
  const rows: MessageRow[] = Array.from({ length: 7 }, (_, i) => ({
    id: newMessageId(),
    room,
    sender: 'alice',
    clientMsgId: `c${i}`,
    // Other producers than the gateway are not bound by the shared schema: a NUL gets here.
    body: i === 4 ? 'a\u0000b' : `message ${i}`,
    createdAt: new Date(),
  }));
  const result = await writeRows(db, rows, { timeoutMs: 10_000 });
  assert.equal(result.inserted, 6);
  assert.equal(result.rejected.length, 1);
  assert.equal(result.rejected[0]?.row.id, rows[4]?.id);
  assert.match(result.rejected[0]?.error ?? '', /postgres 22021/);
  assert.equal(await db.message.count({ where: { room } }), 6);
});
