import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomMemberPage } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const api = roomsApi(`http://${HOST}:${ports.gateway1}`);
const other = roomsApi(`http://${HOST}:${ports.gateway2}`);

async function roles(room: string): Promise<Record<string, string>> {
  const page = await api.call<RoomMemberPage>(
    { user: 'olivia' },
    'GET',
    `/v1/rooms/${room}/members?limit=200`,
  );
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return Object.fromEntries(page.body.members.map((m) => [m.user, m.role]));
}

test('members are paged by user id: every member once, in order', async () => {
  const room = uniqueRoom('paged');
  assert.equal((await api.createRoom('olivia', room, 'private')).status, 201);
  const added = Array.from({ length: 7 }, (_, i) => `m${i}`);
  for (const user of added) assert.equal((await api.putMember('olivia', room, user, 'member')).status, 201);
  const seen: string[] = [];
  let after: string | undefined;
  do {
    const query = `?limit=3${after ? `&after=${after}` : ''}`;
    const page = await other.call<RoomMemberPage>({ user: 'm3' }, 'GET', `/v1/rooms/${room}/members${query}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.members.length <= 3);
    seen.push(...page.body.members.map((m) => m.user));
    after = page.body.nextAfter;
  } while (after);
  assert.deepEqual(seen, [...added, 'olivia'].sort());
});

test('an owner grants any role; PUT answers 201 for a new member and 200 for a change', async () => {
  const room = uniqueRoom('owned');
  assert.equal((await api.createRoom('olivia', room, 'private')).status, 201);
  const added = await api.putMember('olivia', room, 'adam', 'admin');
  assert.equal(added.status, 201);
  assert.deepEqual(added.body, { room, user: 'adam', role: 'admin' });
  assert.equal((await api.putMember('olivia', room, 'adam', 'owner')).status, 200);
  assert.equal(
    (await api.putMember('olivia', room, 'adam', 'owner')).status,
    200,
    'the same role again is 200',
  );
  assert.equal((await other.putMember('adam', room, 'olivia', 'member')).status, 200, 'a co-owner demotes');
  assert.deepEqual(await roles(room), { adam: 'owner', olivia: 'member' });
});

test('an admin manages members and readers but not admins or owners', async () => {
  const room = uniqueRoom('admin');
  assert.equal((await api.createRoom('olivia', room, 'private')).status, 201);
  assert.equal((await api.putMember('olivia', room, 'adele', 'admin')).status, 201);
  assert.equal((await api.putMember('olivia', room, 'alex', 'admin')).status, 201);
  assert.equal((await other.putMember('adele', room, 'mike', 'member')).status, 201);
  assert.equal((await other.putMember('adele', room, 'mike', 'reader')).status, 200);
  assert.equal((await other.putMember('adele', room, 'rita', 'reader')).status, 201);
  assert.equal((await other.removeMember('adele', room, 'rita')).status, 204);

  for (const [target, role] of [
    ['mike', 'admin'],
    ['alex', 'member'],
    ['olivia', 'reader'],
    ['newbie', 'owner'],
  ] as const) {
    const refused = await other.putMember('adele', room, target, role);
    assert.equal(refused.status, 403, `${target} -> ${role}`);
    assert.equal(refused.body.error?.code, 'FORBIDDEN');
  }
  for (const target of ['alex', 'olivia']) {
    const refused = await other.removeMember('adele', room, target);
    assert.equal(refused.status, 403, target);
    assert.equal(refused.body.error?.code, 'FORBIDDEN');
  }
  assert.deepEqual(await roles(room), { adele: 'admin', alex: 'admin', mike: 'reader', olivia: 'owner' });
});

test('members, readers and non-members cannot manage members; nothing changes', async () => {
  const room = uniqueRoom('flat');
  assert.equal((await api.createRoom('olivia', room, 'private')).status, 201);
  assert.equal((await api.putMember('olivia', room, 'max', 'member')).status, 201);
  assert.equal((await api.putMember('olivia', room, 'rae', 'reader')).status, 201);
  const before = await roles(room);
  for (const actor of ['max', 'rae', 'nobody']) {
    const put = await other.putMember(actor, room, 'friend', 'member');
    assert.equal(put.status, 403, actor);
    assert.equal(put.body.error?.code, 'FORBIDDEN');
    const promote = await other.putMember(actor, room, actor, 'owner');
    assert.equal(promote.status, 403, actor);
    const remove = await other.removeMember(actor, room, 'olivia');
    assert.equal(remove.status, 403, actor);
    assert.equal(remove.body.error?.code, 'FORBIDDEN');
  }
  assert.deepEqual(await roles(room), before);
});

test('a member leaves by removing itself', async () => {
  const room = uniqueRoom('leave');
  assert.equal((await api.createRoom('olivia', room, 'private')).status, 201);
  assert.equal((await api.putMember('olivia', room, 'lea', 'reader')).status, 201);
  assert.equal((await other.removeMember('lea', room, 'lea')).status, 204);
  assert.deepEqual(await roles(room), { olivia: 'owner' });
  const again = await other.removeMember('lea', room, 'lea');
  assert.equal(again.status, 403, 'no longer a member of the private room');
});
