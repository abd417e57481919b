/**
 * Reads k6's `--out json` sample stream (gzip) into what the benchmark report needs: delivery
 * latency and deliveries per second over time, and every acknowledged message (its server id
 * travels as sample metadata) for the end-to-end PostgreSQL check.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';

export type AckedMessage = { id: string; clientMsgId: string; room: string; kind: string };

export type SecondBucket = { second: number; deliveries: number; p50: number; p95: number; p99: number };

export type SampleSeries = {
  /** One bucket per second of the run that had deliveries, in time order (second 0 = first sample). */
  seconds: SecondBucket[];
  acked: AckedMessage[];
  startedAt: number;
};

type Point = {
  type: string;
  metric: string;
  data: { time: string; value: number; tags?: Record<string, string>; metadata?: Record<string, string> };
};

export async function readSamples(file: string): Promise<SampleSeries> {
  const input = fs
    .createReadStream(file)
    .pipe(file.endsWith('.gz') ? zlib.createGunzip() : new PassThrough());
  const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const latencies = new Map<number, number[]>();
  const acked: AckedMessage[] = [];
  let startedAt = Number.POSITIVE_INFINITY;
  for await (const line of lines) {
    if (!line.includes('"Point"')) continue;
    const point = JSON.parse(line) as Point;
    const time = Date.parse(point.data.time);
    if (time < startedAt) startedAt = time;
    if (point.metric === 'sb_delivery_latency') {
      const second = Math.floor(time / 1000);
      let bucket = latencies.get(second);
      if (!bucket) {
        bucket = [];
        latencies.set(second, bucket);
      }
      bucket.push(point.data.value);
    } else if (point.metric === 'sb_messages_acked' && point.data.metadata?.msg_id) {
      const meta = point.data.metadata;
      acked.push({
        id: meta.msg_id!,
        clientMsgId: meta.client_msg_id ?? '',
        room: meta.room ?? '',
        kind: point.data.tags?.kind ?? 'message',
      });
    }
  }
  const first = Math.floor(startedAt / 1000);
  const seconds = [...latencies.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, values]) => {
      values.sort((a, b) => a - b);
      return {
        second: second - first,
        deliveries: values.length,
        p50: percentile(values, 50),
        p95: percentile(values, 95),
        p99: percentile(values, 99),
      };
    });
  return { seconds, acked, startedAt };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
