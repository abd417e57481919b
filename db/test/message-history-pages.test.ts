import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { messageIdAt } from '@switchboard/protocol';
import { serviceEnv } from '@switchboard/stack';
import { createDatabase, historyPage, insertMessages, type MessageRow } from '../src/index.ts';

const db = createDatabase(serviceEnv().DATABASE_URL);
after(() => db.$disconnect());

function rowsOf(room: string, count: number): MessageRow[] {
  const start = Date.now() - count * 1000;
  return Array.from({ length: count }, (_, i) => ({
    id: messageIdAt(start + i * 1000),
    room,
    sender: 'alice',
    clientMsgId: `c${i}`,
    body: `m${i}`,
    createdAt: new Date(start + i * 1000),
  }));
}

test('the insert is idempotent: a re-delivered chunk inserts nothing', async () => {
  const rows = rowsOf(`insert-${messageIdAt(Date.now())}`, 4);
  assert.equal(await insertMessages(db, rows), 4);
  assert.equal(await insertMessages(db, rows), 0);
  // Same (room, sender, clientMsgId) under a new id: still no second row (G3).
  assert.equal(await insertMessages(db, [{ ...rows[0]!, id: messageIdAt(Date.now()) }]), 0);
  assert.equal(await insertMessages(db, []), 0);
});

test('history pages walk a room both ways without overlap or gaps, oldest first', async () => {
  const room = `pages-${messageIdAt(Date.now())}`;
  const rows = rowsOf(room, 5);
  await insertMessages(db, rows);
  const bodies = (page: { messages: { body: string }[] }) => page.messages.map((m) => m.body);

  const latest = await historyPage(db, { room, limit: 2 });
  assert.deepEqual(bodies(latest), ['m3', 'm4']);
  assert.equal(latest.more, true);

  const older = await historyPage(db, { room, before: latest.messages[0]!.id, limit: 2 });
  assert.deepEqual(bodies(older), ['m1', 'm2']);
  assert.equal(older.more, true);

  const oldest = await historyPage(db, { room, before: older.messages[0]!.id, limit: 2 });
  assert.deepEqual(bodies(oldest), ['m0']);
  assert.equal(oldest.more, false);

  const newer = await historyPage(db, { room, after: oldest.messages[0]!.id, limit: 3 });
  assert.deepEqual(bodies(newer), ['m1', 'm2', 'm3']);
  assert.equal(newer.more, true);

  const newest = await historyPage(db, { room, after: newer.messages.at(-1)!.id, limit: 3 });
  assert.deepEqual(bodies(newest), ['m4']);
  assert.equal(newest.more, false);
  assert.deepEqual(newest.messages[0], {
    id: rows[4]!.id,
    room,
    sender: 'alice',
    body: 'm4',
    ts: rows[4]!.createdAt.getTime(),
    clientMsgId: 'c4',
  });
});
