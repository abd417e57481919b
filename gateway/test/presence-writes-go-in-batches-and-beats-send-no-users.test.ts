import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PresenceEvent, presenceChanges } from '@switchboard/protocol';
import { eventually, uniqueRoom } from './support/clients.ts';
import { presencePods, recorded, socketOf } from './support/presence-pods.ts';

// Presence on the stack's Redis, its scripts recorded as they are called.
const presencePod = presencePods();

function pod(ttlMs = 30_000) {
  const { presence, redis } = presencePod({ ttlMs });
  return {
    presence,
    joinScripts: recorded(redis, 'sbPresenceJoined'),
    beats: recorded(redis, 'sbPresenceBeat'),
  };
}

test("a crowd's first joins of a room go to Redis in one script per batch, each ack naming its joiner", async () => {
  const { presence, joinScripts } = pod();
  const room = uniqueRoom('presence-crowd');
  const crowd = Array.from({ length: 40 }, (_, i) => `crowd-${i}`);

  // The first goes alone once its tick is over; the 39 asked for in a later tick, while it runs
  // or after, go together in the next script.
  const firstAck = presence.joined(socketOf(crowd[0]!), room);
  await new Promise((resolve) => setImmediate(resolve));
  const rest = crowd.slice(1).map((user) => presence.joined(socketOf(user), room));
  const acks = await Promise.all([firstAck, ...rest]);

  assert.deepEqual(
    joinScripts.map((args) => args.length - 7),
    [1, 39],
    'users per script',
  );
  for (const [i, user] of crowd.entries())
    assert.ok(acks[i]?.presence.includes(user), `${user}'s ack names it`);
  assert.equal(acks.at(-1)?.onlineCount, 40);
  assert.equal((await presence.listOnline(room)).onlineCount, 40);
});

test("a user's joins and leaves made while a batch waits reach Redis in their order", async () => {
  const [{ presence: a }, { presence: b }] = [pod(), pod()];
  const room = uniqueRoom('presence-order');
  // All in one tick: the first joins wait for the room's next script, each leave for its
  // user's join, and rita's second join for her leave.
  const first = a.joined(socketOf('runner'), room);
  const rejoined = socketOf('rita');
  const gone = socketOf('gus');

  const steps = [
    a.joined(rejoined, room),
    a.left(rejoined, room),
    a.joined(rejoined, room),
    a.joined(gone, room),
    a.left(gone, room),
  ];
  await Promise.all([first, ...steps]);

  // Read from the other pod: what Redis holds, not what pod a counts in memory.
  assert.deepEqual((await b.listOnline(room)).presence, ['rita', 'runner']);
});

test("the room's last user on a pod leaving while another's first join waits leaves the other listed", async () => {
  const [{ presence: a }, { presence: b }] = [pod(), pod()];
  const room = uniqueRoom('presence-last');
  const ann = socketOf('ann');

  // Ann's leave empties the room here and waits for her join; Carl's join comes meanwhile.
  await Promise.all([a.joined(ann, room), a.left(ann, room), a.joined(socketOf('carl'), room)]);

  assert.deepEqual((await b.listOnline(room)).presence, ['carl']);
});

test("a crowd's last leaves of a room go to Redis in one script per batch; a user still on another pod stays online", async () => {
  const announced: PresenceEvent[] = [];
  const { presence: a, redis } = presencePod({ announced });
  const leaveScripts = recorded(redis, 'sbPresenceLeft');
  const { presence: b } = presencePod();
  const room = uniqueRoom('presence-leave');
  const crowd = Array.from({ length: 40 }, (_, i) => `leaver-${i}`);
  const stayer = crowd[7]!;
  await Promise.all(crowd.map((user) => a.joined(socketOf(user), room)));
  await b.joined(socketOf(stayer), room);

  // The first goes alone; the 39 asked for in a later tick go together in the next script.
  const first = a.left(socketOf(crowd[0]!), room);
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.all([first, ...crowd.slice(1).map((user) => a.left(socketOf(user), room))]);

  // A leave's arguments: the 2 keys, now, prefix, pod, whether it empties the pod, then the users.
  assert.deepEqual(
    leaveScripts.map((args) => args.length - 6),
    [1, 39],
    'users per script',
  );
  assert.deepEqual((await b.listOnline(room)).presence, [stayer]);
  // Pod a had no user of the room left: its entry is gone, b's alone remains.
  assert.equal(await redis.zcard(`sb:presence:{${room}}:pods`), 1);
  const leftUsers = () => announced.flatMap((event) => presenceChanges(event).left);
  await eventually('pod a announced its leavers', async () => leftUsers().length === 39);
  assert.deepEqual(
    leftUsers().sort(),
    crowd.filter((user) => user !== stayer).sort(),
    'announced as left: all but the user still online on pod b',
  );
});

// A pod with a TTL of 3 s beats every second.
const beatsOf = (beats: unknown[][], room: string) =>
  beats.filter((args) => String(args[1]).includes(`{${room}}`));
// A beat's arguments: the 2 keys, now, TTL, pod, count, then the users when it sends them.
const usersSent = (args: unknown[]) => args.length - 6;

test('a beat extends the entries without sending the users while Redis holds what the pod counts', async () => {
  const { presence, beats } = pod(3000);
  const { presence: other } = pod();
  const room = uniqueRoom('presence-beat');
  const users = Array.from({ length: 50 }, (_, i) => `beat-${i}`);
  await Promise.all(users.map((user) => presence.joined(socketOf(user), room)));

  // Past the TTL of what the joins wrote: only the beats keep them.
  await new Promise((resolve) => setTimeout(resolve, 4500));

  const ofRoom = beatsOf(beats, room);
  assert.ok(ofRoom.length >= 3, `${ofRoom.length} beats in 4.5 s`);
  assert.deepEqual(
    ofRoom.map(usersSent),
    ofRoom.map(() => 0),
    'users sent per beat',
  );
  assert.equal((await other.listOnline(room)).onlineCount, 50);
});

test("Redis losing a pod's entries of a room: its next beat sends the users again", async () => {
  const { presence, beats } = pod(3000);
  const { presence: other, redis } = presencePod();
  const room = uniqueRoom('presence-lost');
  const users = ['lou', 'max', 'ned'];
  for (const user of users) await presence.joined(socketOf(user), room);

  // The room's keys by name (KEYS would ask one node of a Cluster): its pods and each pod's hash.
  const podsKey = `sb:presence:{${room}}:pods`;
  const pods = await redis.zrange(podsKey, '0', '-1');
  await redis.del(podsKey, ...pods.map((pod) => `sb:presence:{${room}}:pod:${pod}`));
  assert.equal((await other.listOnline(room)).onlineCount, 0);

  await eventually(
    'the users are listed again',
    async () => (await other.listOnline(room)).onlineCount === 3,
  );
  assert.deepEqual((await other.listOnline(room)).presence, users);
  assert.ok(
    beatsOf(beats, room).some((args) => usersSent(args) === 3),
    'a beat sent the 3 users',
  );
});
