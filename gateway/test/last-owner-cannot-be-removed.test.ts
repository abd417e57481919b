import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomMemberPage } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const api = roomsApi(`http://${HOST}:${ports.gateway1}`);
const other = roomsApi(`http://${HOST}:${ports.gateway2}`);

async function owners(room: string, asUser: string): Promise<string[]> {
  const page = await api.call<RoomMemberPage>({ user: asUser }, 'GET', `/v1/rooms/${room}/members`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body.members.filter((m) => m.role === 'owner').map((m) => m.user);
}

test('the last owner can neither leave nor be demoted: 409 CONFLICT, nothing changed', async () => {
  const room = uniqueRoom('sole');
  assert.equal((await api.createRoom('otto', room, 'private')).status, 201);
  const leave = await api.removeMember('otto', room, 'otto');
  assert.equal(leave.status, 409);
  assert.equal(leave.body.error?.code, 'CONFLICT');
  const demote = await api.putMember('otto', room, 'otto', 'admin');
  assert.equal(demote.status, 409);
  assert.equal(demote.body.error?.code, 'CONFLICT');
  assert.deepEqual(await owners(room, 'otto'), ['otto']);
});

test('two owners removing each other at the same time: exactly one succeeds, one owner is left', async () => {
  for (let round = 0; round < 5; round++) {
    const room = uniqueRoom('duel');
    assert.equal((await api.createRoom('ola', room, 'private')).status, 201);
    assert.equal((await api.putMember('ola', room, 'oskar', 'owner')).status, 201);
    const [a, b] = await Promise.all([
      api.removeMember('ola', room, 'oskar'),
      other.removeMember('oskar', room, 'ola'),
    ]);
    const statuses = [a.status, b.status].sort();
    // The loser is either refused as the last owner's remover (409) or, if the winner's change
    // reached it first, as a non-member (403): never both removals.
    assert.equal(statuses.filter((s) => s === 204).length, 1, `round ${round}: ${statuses}`);
    const left = await owners(room, a.status === 204 ? 'ola' : 'oskar');
    assert.equal(left.length, 1, `round ${round}`);
  }
});
