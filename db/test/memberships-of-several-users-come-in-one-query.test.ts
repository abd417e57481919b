import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { serviceEnv } from '@switchboard/stack';
import { createDatabase, createRoom, memberships, putMember } from '../src/index.ts';
import { statementsOf } from './support/statements-of.ts';

const db = createDatabase(serviceEnv().DATABASE_URL);
after(() => db.$disconnect());
const tag = Date.now().toString(36);

test('the roles of several users of a room come back together; non-members are absent', async () => {
  const room = `batch-${tag}`;
  await createRoom(db, { name: room, visibility: 'private', createdBy: 'ann', owner: 'ann' });
  await putMember(db, { room, user: 'bea', role: 'reader', by: 'ann' });

  const [found, statements] = await statementsOf(db, (counted) =>
    memberships(counted, room, ['ann', 'bea', 'cid']),
  );
  assert.equal(statements, 1, 'three users, one statement');

  assert.deepEqual(found?.room, { name: room, visibility: 'private', direct: false });
  assert.deepEqual([...(found?.roles ?? [])].sort(), [
    ['ann', 'owner'],
    ['bea', 'reader'],
  ]);
});

test('a room none of the users is in still answers with its facts', async () => {
  const room = `batch-empty-${tag}`;
  await createRoom(db, { name: room, visibility: 'public', createdBy: 'ann' });

  const found = await memberships(db, room, ['dan', 'eve']);

  assert.deepEqual(found?.room, { name: room, visibility: 'public', direct: false });
  assert.equal(found?.roles.size, 0);
});

test('an unknown room is undefined', async () => {
  assert.equal(await memberships(db, `batch-none-${tag}`, ['ann']), undefined);
});
