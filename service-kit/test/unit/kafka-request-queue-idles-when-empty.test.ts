import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { idleKafkaRequestQueuesWhenEmpty, kafkajsScheduleCheck } from '../../src/kafka-request-queue-fix.ts';

type Queue = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
  destroy(): void;
};
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (
  o: object,
) => Queue;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const queue = () =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 1000,
    clientId: 't',
    broker: 'b',
    logger: silent,
  });

/** How often the queue checks itself within `ms` once one check has run. */
async function checksWithin(q: Queue, ms: number, schedule?: () => void) {
  if (schedule) q.scheduleCheckPendingRequests = schedule;
  let checks = 0;
  const check = q.checkPendingRequests.bind(q);
  q.checkPendingRequests = () => {
    checks++;
    check();
  };
  q.checkPendingRequests();
  await new Promise((resolve) => setTimeout(resolve, ms));
  clearTimeout(q.throttleCheckTimeoutId ?? undefined);
  return checks;
}

test('an empty queue arms no timer once fixed; without the fix it polls every millisecond', async () => {
  // kafkajs' own scheduling on one queue (the fix may be in place already: other tests make clients).
  const before = await checksWithin(queue(), 100, kafkajsScheduleCheck);
  idleKafkaRequestQueuesWhenEmpty();
  idleKafkaRequestQueuesWhenEmpty();
  const after = await checksWithin(queue(), 100);
  assert.ok(
    before > 20,
    `kafkajs 2.2.4 loops on an empty queue (${before} checks); drop the fix once it does not`,
  );
  assert.equal(after, 1);
});

test('a queue with a pending request, or throttled, still schedules its check', () => {
  idleKafkaRequestQueuesWhenEmpty();
  const pending = queue();
  pending.pending.push({});
  pending.scheduleCheckPendingRequests();
  assert.ok(pending.throttleCheckTimeoutId);
  clearTimeout(pending.throttleCheckTimeoutId);

  const throttled = queue();
  throttled.throttledUntil = Date.now() + 50;
  throttled.scheduleCheckPendingRequests();
  assert.ok(throttled.throttleCheckTimeoutId);
  clearTimeout(throttled.throttleCheckTimeoutId);
});
