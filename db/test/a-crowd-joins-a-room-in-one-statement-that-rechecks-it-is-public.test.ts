import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { serviceEnv } from '@switchboard/stack';
import {
  createDatabase,
  createRoom,
  deleteRoom,
  joinMembers,
  membership,
  memberships,
  putMember,
} from '../src/index.ts';
import { statementsOf } from './support/statements-of.ts';

const db = createDatabase(serviceEnv().DATABASE_URL);
after(() => db.$disconnect());
const tag = Date.now().toString(36);

test('in one statement the users not in a public room yet become members; the others keep their roles', async () => {
  const room = `crowd-${tag}`;
  await createRoom(db, { name: room, visibility: 'public', createdBy: 'ann', owner: 'ann' });
  await putMember(db, { room, user: 'rae', role: 'reader', by: 'ann' });

  const [found, statements] = await statementsOf(db, (counted) =>
    joinMembers(counted, room, ['bob', 'ann', 'rae', 'cid']),
  );

  assert.equal(statements, 1);
  assert.deepEqual(found?.room, { name: room, visibility: 'public', direct: false });
  assert.deepEqual(found?.joined, new Set(['bob', 'cid']));
  const expected = { ann: 'owner', bob: 'member', cid: 'member', rae: 'reader' };
  assert.deepEqual(Object.fromEntries(found?.roles ?? []), expected);
  const stored = (await memberships(db, room, ['ann', 'bob', 'cid', 'rae']))?.roles;
  assert.deepEqual(Object.fromEntries(stored ?? []), expected);
});

test('a private room joins nobody and tells the roles of its members', async () => {
  const room = `crowd-closed-${tag}`;
  await createRoom(db, { name: room, visibility: 'private', createdBy: 'ann', owner: 'ann' });

  const found = await joinMembers(db, room, ['ann', 'bob']);

  assert.deepEqual(found?.room, { name: room, visibility: 'private', direct: false });
  assert.deepEqual(Object.fromEntries(found?.roles ?? []), { ann: 'owner' });
  assert.equal(found?.joined.size, 0);
  assert.equal((await membership(db, room, 'bob'))?.role, undefined);
});

test('a room re-created private since it was seen public is not joined', async () => {
  const room = `crowd-private-${tag}`;
  await createRoom(db, { name: room, visibility: 'public', createdBy: 'ann', owner: 'ann' });
  await deleteRoom(db, room);
  await createRoom(db, { name: room, visibility: 'private', createdBy: 'ann', owner: 'ann' });

  assert.equal((await joinMembers(db, room, ['bob']))?.roles.get('bob'), undefined);
  assert.equal((await membership(db, room, 'bob'))?.role, undefined);
});

test('a deleted room joins nobody', async () => {
  const room = `crowd-gone-${tag}`;
  await createRoom(db, { name: room, visibility: 'public', createdBy: 'ann', owner: 'ann' });
  await deleteRoom(db, room);

  assert.equal(await joinMembers(db, room, ['bob', 'cid']), undefined);
  assert.equal(await membership(db, room, 'bob'), undefined);
});
