/**
 * The room plans the k6 scripts create before the load: every connection of a scenario is the
 * owner or a member of exactly the room it joins, so no join or send under load is refused
 * for want of a membership, and the room visibility knob is read like every other.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  connectRoomName,
  connectRoomPlan,
  fanoutRoomName,
  fanoutRoomPlan,
  historyRoomPlan,
  type RoomPlan,
} from '../../src/room-plan.ts';
import { fanoutParams, usersNeeded } from '../../src/scenario-params.ts';

/** connection index -> the rooms it owns or is a member of */
function roomsByConnection(plans: RoomPlan[]): Map<number, string[]> {
  const rooms = new Map<number, string[]>();
  for (const plan of plans) {
    for (const index of [plan.owner, ...plan.members])
      rooms.set(index, [...(rooms.get(index) ?? []), plan.room]);
  }
  return rooms;
}

test('fanout: receivers and publishers belong to their own room only; its first publisher owns it', () => {
  const env = { SB_TARGET: 'http://x', SB_ROOMS: '3', SB_MEMBERS: '4', SB_PUBLISHERS: '2' };
  const p = fanoutParams(env);
  const plans = fanoutRoomPlan(p, 'run1');
  assert.equal(plans.length, 3);
  const rooms = roomsByConnection(plans);
  assert.equal(rooms.size, usersNeeded('fanout', env), 'every connection is in a room');
  for (let i = 0; i < p.rooms * p.members; i++) {
    assert.deepEqual(rooms.get(i), [fanoutRoomName('run1', Math.floor(i / p.members))], `receiver ${i}`);
  }
  for (let k = 0; k < p.rooms * p.publishers; k++) {
    const index = p.rooms * p.members + k;
    assert.deepEqual(
      rooms.get(index),
      [fanoutRoomName('run1', Math.floor(k / p.publishers))],
      `publisher ${k}`,
    );
  }
  assert.equal(plans[1]!.owner, p.rooms * p.members + p.publishers);
  assert.equal(plans[1]!.members.length, p.members + p.publishers - 1);
});

test('fanout without publishers: the first receiver owns the room', () => {
  const plans = fanoutRoomPlan({ rooms: 2, members: 3, publishers: 0 }, 'r');
  assert.deepEqual(
    plans.map((p) => [p.owner, p.members]),
    [
      [0, [1, 2]],
      [3, [4, 5]],
    ],
  );
});

test('connect: connection i is in room i mod R, owned by the lowest such connection', () => {
  const plans = connectRoomPlan({ rooms: 4, maxConnections: 10 }, 'run2');
  const rooms = roomsByConnection(plans);
  assert.equal(rooms.size, 10);
  for (let i = 0; i < 10; i++) assert.deepEqual(rooms.get(i), [connectRoomName('run2', i % 4)]);
  assert.deepEqual(plans[1], { room: connectRoomName('run2', 1), owner: 1, members: [5, 9] });
  assert.equal(connectRoomPlan({ rooms: 50, maxConnections: 3 }, 'r').length, 3, 'no room without a user');
});

test('history: token 0 owns the room, every other token reads it as a member', () => {
  assert.deepEqual(historyRoomPlan(4, 'h'), [{ room: 'h-history', owner: 0, members: [1, 2, 3] }]);
});

test('rooms are private unless SB_ROOM_VISIBILITY says public; anything else names the variable', () => {
  assert.equal(fanoutParams({ SB_TARGET: 'http://x' }).roomVisibility, 'private');
  assert.equal(
    fanoutParams({ SB_TARGET: 'http://x', SB_ROOM_VISIBILITY: 'public' }).roomVisibility,
    'public',
  );
  assert.throws(
    () => fanoutParams({ SB_TARGET: 'http://x', SB_ROOM_VISIBILITY: 'secret' }),
    /SB_ROOM_VISIBILITY must be one of private, public/,
  );
});
