/**
 * make bench-persist: how fast ONE persister drains a backlog into PostgreSQL, next to the
 * naive path (one awaited INSERT per message) and PostgreSQL's own bulk path (COPY) as the
 * ceiling. Prints figures; asserts nothing. Runs against the local stack (make up).
 *
 *   BENCH_MESSAGES (500000)  backlog size     BENCH_NAIVE_SAMPLE (20000)  naive inserts
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeMessageRecord, newMessageId } from '@switchboard/protocol';
import { createKafkaClient, createLogger } from '@switchboard/service-kit';
import { serviceEnv } from '@switchboard/stack';
import { CompressionTypes, Partitioners } from 'kafkajs';
import pg from 'pg';
import { createTestTopics, deleteTestTopics, withAdmin } from '../test/support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from '../test/support/persister-process.ts';

const total = Number(process.env.BENCH_MESSAGES ?? 500_000);
const naiveSample = Number(process.env.BENCH_NAIVE_SAMPLE ?? 20_000);
const roomCount = 1_000;
const prefix = `bench-${newMessageId().slice(-12)}`;
const rooms = Array.from({ length: roomCount }, (_, i) => `${prefix}-r${i}`);
const body = 'The quick brown fox jumps over the lazy dog while the persister drains Kafka. 80b';

const pool = new pg.Pool({ connectionString: serviceEnv().DATABASE_URL, max: 2 });
const csvFile = path.join(os.tmpdir(), `${prefix}.csv`);
const topics = await createTestTopics('bench');
const log = (line: string) => console.log(`[bench] ${line}`);

try {
  log(`preloading ${total.toLocaleString()} messages over 12 partitions (${roomCount} rooms)`);
  const produced = await preload();
  log(`preloaded in ${produced.toFixed(1)} s (${rate(total, produced)} msg/s)`);

  const persister = await startPersister(topics, {
    LOG_LEVEL: 'warn',
    KAFKA_MAX_WAIT_MS: '500',
    DATABASE_POOL_MAX: '4',
  });
  await waitReady(persister);
  const started = performance.now();
  await waitUntil(
    'the persister has drained the backlog',
    async () => (await persister.metric('switchboard_persister_rows_written_total')) === total,
    600_000,
  );
  const drain = (performance.now() - started) / 1000;
  const duplicates = (await persister.metric('switchboard_persister_duplicates_skipped_total')) ?? 0;
  const writeSeconds = (await persister.metric('switchboard_persister_write_duration_seconds_sum')) ?? 0;
  const writes = (await persister.metric('switchboard_persister_write_duration_seconds_count')) ?? 0;
  await persister.kill('SIGTERM');
  log(`persister drained ${total.toLocaleString()} rows in ${drain.toFixed(1)} s (duplicates ${duplicates})`);
  // Where the time went: inside INSERTs (summed over concurrent partitions) or around them.
  log(
    `  ${writes} INSERTs of ~${Math.round(total / Math.max(1, writes))} rows, ${writeSeconds.toFixed(1)} s inside them`,
  );

  const naive = await naiveInserts();
  log(`naive: ${naiveSample.toLocaleString()} awaited INSERTs in ${naive.toFixed(1)} s`);

  // The ceiling: the same rows again, through COPY, into the same table and indexes.
  await deleteBenchRows();
  const copy = copyRows();
  log(`COPY of the same ${total.toLocaleString()} rows in ${copy.toFixed(1)} s`);

  const persisterRate = total / drain;
  const naiveRate = naiveSample / naive;
  const copyRate = total / copy;
  console.log('');
  console.log('| path | rows | seconds | rows/s | vs naive | vs COPY |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const row = (name: string, rows: number, seconds: number, r: number) =>
    console.log(
      `| ${name} | ${rows.toLocaleString()} | ${seconds.toFixed(1)} | ${Math.round(r).toLocaleString()} | ${(r / naiveRate).toFixed(1)}x | ${((100 * r) / copyRate).toFixed(0)}% |`,
    );
  row('naive: one awaited INSERT per message', naiveSample, naive, naiveRate);
  row('persister (1 replica, Kafka -> unnest INSERT)', total, drain, persisterRate);
  row('PostgreSQL COPY (psql \\copy, CSV)', total, copy, copyRate);
} finally {
  await deleteBenchRows().catch(() => {});
  await pool.end();
  await deleteTestTopics(topics);
  fs.rmSync(csvFile, { force: true });
}

/** Produces the backlog in big uncompressed batches and writes the same rows to a CSV for COPY. */
async function preload(): Promise<number> {
  const kafka = createKafkaClient({
    clientId: 'bench',
    brokers: serviceEnv().KAFKA_BROKERS.split(','),
    logger: createLogger('bench', 'silent'),
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const csv = fs.openSync(csvFile, 'w');
  const started = performance.now();
  const batch = 10_000;
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; sent += batch) {
    const messages = [];
    let lines = '';
    for (let i = sent; i < Math.min(total, sent + batch); i++) {
      const id = newMessageId();
      const message = {
        id,
        room: rooms[i % roomCount]!,
        sender: `user-${i % 97}`,
        body,
        ts: Date.now(),
        clientMsgId: `c${i}`,
      };
      messages.push(encodeMessageRecord(message));
      lines += `${id},${message.room},${message.sender},${message.clientMsgId},"${body}",${new Date(message.ts).toISOString()}\n`;
    }
    fs.writeSync(csv, lines);
    inFlight.push(
      producer.send({ topic: topics.topic, acks: 1, compression: CompressionTypes.None, messages }),
    );
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  fs.closeSync(csv);
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topics.topic));
  const stored = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  if (stored !== total) throw new Error(`expected ${total} records in the topic, found ${stored}`);
  return seconds;
}

/** The simple chat backend's way: one INSERT per message, each awaited before the next. */
async function naiveInserts(): Promise<number> {
  const client = await pool.connect();
  try {
    const started = performance.now();
    for (let i = 0; i < naiveSample; i++) {
      await client.query(
        `INSERT INTO messages (id, room, sender, client_msg_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [newMessageId(), `${rooms[i % roomCount]}-naive`, `user-${i % 97}`, `n${i}`, body, new Date()],
      );
    }
    return (performance.now() - started) / 1000;
  } finally {
    client.release();
  }
}

function copyRows(): number {
  const started = performance.now();
  const result = spawnSync(
    'psql',
    [
      serviceEnv().DATABASE_URL,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy messages (id, room, sender, client_msg_id, body, created_at) FROM '${csvFile}' WITH (FORMAT csv)`,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`psql \\copy failed: ${result.stderr || result.error?.message}`);
  return (performance.now() - started) / 1000;
}

async function deleteBenchRows(): Promise<void> {
  const all = [...rooms, ...rooms.map((r) => `${r}-naive`)];
  await pool.query('DELETE FROM messages WHERE room = ANY($1::varchar[])', [all]);
}

function rate(count: number, seconds: number): string {
  return Math.round(count / seconds).toLocaleString();
}
