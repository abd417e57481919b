import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { serviceEnv } from '@switchboard/stack';
import { createDatabase } from '../src/index.ts';

const db = createDatabase(serviceEnv().DATABASE_URL);
after(() => db.$disconnect());

test('a message row is written and read back through the Prisma client', async () => {
  const id = newMessageId();
  const room = `smoke-${id}`;
  await db.message.create({
    data: { id, room, sender: 'alice', clientMsgId: 'c1', body: 'hello', createdAt: new Date() },
  });
  const row = await db.message.findUniqueOrThrow({ where: { id } });
  assert.equal(row.room, room);
  assert.equal(row.body, 'hello');
  assert.ok(row.persistedAt instanceof Date);
});

test('the same (room, sender, clientMsgId) cannot make a second row', async () => {
  const room = `smoke-${newMessageId()}`;
  const data = { room, sender: 'bob', clientMsgId: 'retry-1', body: 'x', createdAt: new Date() };
  await db.message.create({ data: { ...data, id: newMessageId() } });
  const inserted = await db.message.createMany({
    data: [{ ...data, id: newMessageId() }],
    skipDuplicates: true,
  });
  assert.equal(inserted.count, 0);
  assert.equal(await db.message.count({ where: { room } }), 1);
});
