import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { serviceEnv } from '@switchboard/stack';
import {
  createDatabase,
  createRoom,
  deleteRoom,
  joinOpenRoom,
  membership,
  memberships,
  putMember,
} from '../src/index.ts';

const db = createDatabase(serviceEnv().DATABASE_URL);
after(() => db.$disconnect());
const tag = Date.now().toString(36);

test('the users not in a public room yet become members; the others keep their roles', async () => {
  const room = `crowd-${tag}`;
  await createRoom(db, { name: room, visibility: 'public', createdBy: 'ann', owner: 'ann' });
  await putMember(db, { room, user: 'rae', role: 'reader', by: 'ann' });

  const joined = await joinOpenRoom(db, room, ['bob', 'ann', 'rae', 'cid']);

  assert.deepEqual(joined, new Set(['bob', 'cid']));
  const roles = (await memberships(db, room, ['ann', 'bob', 'cid', 'rae']))?.roles;
  assert.deepEqual(Object.fromEntries(roles ?? []), {
    ann: 'owner',
    bob: 'member',
    cid: 'member',
    rae: 'reader',
  });
});

test('a room re-created private since it was seen public is not joined', async () => {
  const room = `crowd-private-${tag}`;
  await createRoom(db, { name: room, visibility: 'public', createdBy: 'ann', owner: 'ann' });
  await deleteRoom(db, room);
  await createRoom(db, { name: room, visibility: 'private', createdBy: 'ann', owner: 'ann' });

  assert.deepEqual(await joinOpenRoom(db, room, ['bob']), new Set());
  assert.equal((await membership(db, room, 'bob'))?.role, undefined);
});

test('a deleted room joins nobody', async () => {
  const room = `crowd-gone-${tag}`;
  await createRoom(db, { name: room, visibility: 'public', createdBy: 'ann', owner: 'ann' });
  await deleteRoom(db, room);

  assert.deepEqual(await joinOpenRoom(db, room, ['bob', 'cid']), new Set());
  assert.equal(await membership(db, room, 'bob'), undefined);
});
