/**
 * The fanout k6 script, at a tiny scale, passes its own thresholds against the local stack
 * (two gateways behind the sticky load balancer): every acknowledged message reaches every
 * member of its room exactly once, and is exactly one row in PostgreSQL. Its rooms were made
 * through the rooms API, private with every connection a member, and every join was timed.
 * Keeps the k6 scripts (and the benchmark's end-to-end check) from rotting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDatabase, membersPage, roomInfo } from '@switchboard/db';
import { serviceEnv } from '@switchboard/stack';
import { counterTotal, stat } from '../src/k6-runner.ts';
import { readSamples } from '../src/k6-samples.ts';
import { checkPersisted } from '../src/persisted-check.ts';
import { fanoutRoomName } from '../src/room-plan.ts';
import { runScenario } from '../src/run-scenario.ts';

const rooms = 2;
const members = 3;
const publishers = 2;

test('fanout smoke: thresholds pass, nothing lost or duplicated, every acked message one row', async () => {
  const run = await runScenario({
    scenario: 'fanout',
    env: {
      SB_ROOMS: String(rooms),
      SB_MEMBERS: String(members),
      SB_PUBLISHERS: String(publishers),
      SB_RATE: '4',
      SB_DURATION: '4s',
      SB_WARMUP: '3s',
      SB_DRAIN: '10s',
      // A loaded CI machine is slow; correctness is what this run proves, speed is the bench's job.
      SB_P95_MS: '5000',
      SB_P99_MS: '10000',
      SB_MAX_ERROR_RATE: '0',
    },
    samples: true,
    stdio: 'capture',
    log: () => {},
  });
  const summary = run.summary;
  assert.equal(run.exitCode, 0, `k6 exit code (99: thresholds failed)\n${run.output.slice(-4000)}`);
  assert.equal(counterTotal(summary, 'sb_lost'), 0);
  assert.equal(counterTotal(summary, 'sb_duplicated'), 0);
  assert.equal(counterTotal(summary, 'sb_tallies_missing'), 0);
  const messagesAcked = counterTotal(summary, 'sb_messages_acked') - rooms * publishers;
  assert.ok(messagesAcked > 0, 'publishers got acks');
  assert.equal(
    counterTotal(summary, 'sb_deliveries'),
    messagesAcked * members,
    'each acked message, to each member',
  );

  assert.equal(
    stat(summary, 'sb_join_duration', 'count'),
    rooms * (members + publishers),
    'every connection joined its room, and the join was timed',
  );
  assert.ok(stat(summary, 'sb_ack_latency', 'count')! > 0, 'send latency measured');

  const { acked } = await readSamples(run.samplesFile!);
  assert.equal(acked.length, counterTotal(summary, 'sb_messages_acked'), 'every ack carries its server id');
  const db = createDatabase(serviceEnv().DATABASE_URL, { poolMax: 1 });
  try {
    for (let r = 0; r < rooms; r++) {
      const room = fanoutRoomName(run.runId, r);
      const info = await roomInfo(db, room);
      assert.equal(info?.visibility, 'private', `${room} was created private through the API`);
      const { members: listed } = await membersPage(db, room, { limit: 100 });
      assert.equal(listed.length, members + publishers, `${room}: every connection a member`);
      assert.equal(listed.filter((m) => m.role === 'owner').length, 1);
    }
    const persisted = await checkPersisted(db, acked, { timeoutMs: 60_000 });
    assert.equal(
      persisted.missing,
      0,
      `acked but not in PostgreSQL: ${persisted.missingExamples.join(', ')}`,
    );
    assert.equal(persisted.duplicated, 0);
    assert.equal(persisted.persisted, acked.length);
  } finally {
    await db.$disconnect();
  }
});
