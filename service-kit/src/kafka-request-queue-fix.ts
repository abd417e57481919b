import { createRequire } from 'node:module';

type RequestQueue = {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
};

// kafkajs' per-connection request queue (internal, not exported).
const RequestQueueClass = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
  prototype: RequestQueue;
};

/** kafkajs' own scheduling, kept for the test that tells when this fix can go. */
export const kafkajsScheduleCheck = RequestQueueClass.prototype.scheduleCheckPendingRequests;

/**
 * A workaround for kafkajs 2.2.4 (tulios/kafkajs#1704, fixes #1667 and #1768 unmerged): every
 * broker connection re-arms a timer with a negative delay (1 ms) after each check of its pending
 * requests, empty or not, so each connection polls ~1,000 times a second for ever: CPU on every
 * gateway and persister at rest, and a TimeoutNegativeWarning on Node 24. Here an empty,
 * unthrottled queue arms nothing: a request that cannot go at once is queued by `push`, which
 * schedules its own check, and every answer or timeout checks the queue again. Idempotent.
 */
export function idleKafkaRequestQueuesWhenEmpty(): void {
  RequestQueueClass.prototype.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    kafkajsScheduleCheck.call(this);
  };
}
