import { after, before } from 'node:test';
import { pool } from './message-rows.ts';
import { createTestTopics, deleteTestTopics, TestProducer, type TestTopics } from './message-stream.ts';
import { killAllPersisters } from './persister-process.ts';

export type TestBed = { readonly topics: TestTopics; readonly producer: TestProducer };

/**
 * One test file's world: its own 12-partition topics and consumer group, a producer, and on the
 * way out every persister, topic and connection it made is gone (`beforeCleanup` runs first).
 */
export function useTestBed(name: string, beforeCleanup?: () => Promise<void>): TestBed {
  const bed = {} as { topics: TestTopics; producer: TestProducer };
  before(async () => {
    bed.topics = await createTestTopics(name);
    bed.producer = await new TestProducer().connect();
  });
  after(async () => {
    await beforeCleanup?.();
    await killAllPersisters();
    await bed.producer?.disconnect();
    if (bed.topics) await deleteTestTopics(bed.topics);
    await pool.end();
  });
  return bed;
}
