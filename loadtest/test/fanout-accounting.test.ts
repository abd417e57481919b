/**
 * How fan-out receivers account for messages: names that identify publisher and sequence,
 * duplicates and reorderings, and loss counted against the publisher's tally of acked sends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryTracker } from '../src/delivery-tracker.ts';
import {
  clientMsgIdFor,
  messageBody,
  parseClientMsgId,
  sentAtOf,
  tallyBody,
  tallyOf,
  toRanges,
} from '../src/fanout-message.ts';

test('a clientMsgId names run, publisher and sequence, and parses back', () => {
  const id = clientMsgIdFor('ltm3x9a_b', 12, 345);
  assert.deepEqual(parseClientMsgId(id), { runId: 'ltm3x9a_b', publisher: 12, seq: 345 });
  assert.deepEqual(parseClientMsgId(clientMsgIdFor('run', 0, 'end')), {
    runId: 'run',
    publisher: 0,
    seq: 'end',
  });
  assert.equal(parseClientMsgId('someone-elses-id'), undefined);
  assert.throws(() => clientMsgIdFor('bad run id', 0, 0), /invalid clientMsgId/);
});

test('bodies carry the send time at the requested size; tallies carry unacked ranges', () => {
  const body = messageBody(1_700_000_000_123, 256);
  assert.equal(body.length, 256);
  assert.equal(sentAtOf(body), 1_700_000_000_123);
  assert.equal(sentAtOf('not json'), undefined);
  assert.deepEqual(toRanges([1, 2, 3, 7, 9, 10]), [
    [1, 3],
    [7, 7],
    [9, 10],
  ]);
  assert.deepEqual(tallyOf(tallyBody({ sent: 5, unacked: [[2, 2]] })), { sent: 5, unacked: [[2, 2]] });
  assert.equal(tallyOf(body), undefined);
});

test('a second delivery of the same message is a duplicate, in or out of order', () => {
  const tracker = new DeliveryTracker();
  assert.equal(tracker.record(1, 0), 'new');
  assert.equal(tracker.record(1, 2), 'new');
  assert.equal(tracker.record(1, 2), 'duplicate');
  assert.equal(tracker.record(1, 1), 'new');
  assert.equal(tracker.record(1, 0), 'duplicate');
  assert.equal(tracker.record(2, 0), 'new', 'publishers are tracked apart');
  assert.equal(tracker.outOfOrder(1), 1, 'seq 1 arrived after seq 2');
});

test('lost counts acked sequence numbers never delivered, not the unacked ones', () => {
  const tracker = new DeliveryTracker();
  for (const seq of [0, 1, 3, 6]) tracker.record(7, seq);
  assert.equal(tracker.openGaps(7), 3, 'seqs 2, 4, 5 are missing below the highest');
  // Sent 0..8; 4 and 5 were refused (never acked): lost are 2, 7, 8.
  assert.equal(tracker.lost(7, { sent: 9, unacked: [[4, 5]] }), 3);
  // A receiver that joined late owes nothing from before its first delivery.
  assert.equal(tracker.lost(7, { sent: 9, unacked: [[4, 5]] }, 3), 2);
  assert.equal(tracker.lost(8, { sent: 2, unacked: [] }), 2, 'nothing from an unseen publisher');
});
