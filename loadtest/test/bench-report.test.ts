/**
 * The benchmark report names every figure the issue asks for, with the exact parameters, and
 * its chart plots each second of latency and deliveries; figures of the sub-benchmarks are
 * picked out of their printed output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BenchData, gatewayCpuFigures, persisterCapacity, renderReport } from '../src/bench-report.ts';
import { renderChart } from '../src/chart-svg.ts';
import { percentile } from '../src/k6-samples.ts';
import { fanoutParams } from '../src/scenario-params.ts';

const seconds = Array.from({ length: 30 }, (_, i) => ({
  second: i,
  deliveries: 1000 + i,
  p50: 10 + i,
  p95: 20 + i,
  p99: 40 + i,
}));

const gatewayOutput = [
  'socket.io gateways     sent   3000  deliveries   600000    40000 deliveries/s  latency p50 3.0 ms  p95 9.0 ms  p99 20.0 ms  server CPU 12.34 µs/delivery',
  'raw ws relay           sent   3000  deliveries   600000    90000 deliveries/s  latency p50 1.0 ms  p95 2.0 ms  p99 3.0 ms  server CPU 1.50 µs/delivery',
].join('\n');
const persistOutput = [
  '| path | rows | seconds | rows/s | vs naive | vs COPY |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  '| naive: one awaited INSERT per message | 20,000 | 20.0 | 1,000 | 1.0x | 2% |',
  '| persister (1 replica, Kafka -> unnest INSERT) | 500,000 | 25.0 | 20,000 | 20.0x | 40% |',
].join('\n');

const data: BenchData = {
  startedAt: new Date('2026-01-01T00:00:00Z'),
  reproduce: 'SB_ROOMS=20 make bench',
  params: fanoutParams({ SB_TARGET: 'http://127.0.0.1:13000', SB_ROOMS: '20', SB_DURATION: '30s' }),
  gateways: 2,
  k6ExitCode: 0,
  summary: {
    metrics: {
      sb_deliveries: { count: 30_435 },
      sb_delivery_latency: { med: 12, 'p(95)': 45, 'p(99)': 70, max: 90 },
      sb_join_duration: { med: 4, 'p(95)': 9, 'p(99)': 15, max: 20 },
      sb_ack_latency: { med: 6, 'p(95)': 11, 'p(99)': 18, max: 25 },
      sb_lost: { count: 0 },
      sb_duplicated: { count: 0 },
    },
  },
  series: {
    seconds,
    acked: [{ id: 'a', clientMsgId: 'x_0_0', room: 'r', kind: 'message' }],
    startedAt: 0,
  },
  persist: {
    acked: 1,
    persisted: 1,
    missing: 0,
    missingExamples: [],
    duplicated: 0,
    unackedRows: 0,
    rowsPerSecond: 100,
    persistLag: { p50: 5, p95: 9, p99: 12 },
    waitedMs: 10,
  },
  cpu: { 'gateway-1': 3, 'gateway-2': 3.087, k6: 4 },
  k6Seconds: 50,
  loadAfter: [1.5, 1.2, 1.0],
  machine: [['CPU', '2 x test']],
  subBenchmarks: [
    {
      name: 'gateway benchmark',
      command: 'make bench-gateway',
      exitCode: 0,
      seconds: 30,
      output: gatewayOutput,
    },
    {
      name: 'persister benchmark',
      command: 'make bench-persist',
      exitCode: 0,
      seconds: 60,
      output: persistOutput,
    },
  ],
  chartFile: 'chart.svg',
};

test('the report names every figure, with the parameters and the machine', () => {
  const report = renderReport(data);
  for (const figure of [
    '| k6 thresholds | all held |',
    '| connections | 220 (200 receivers in 20 rooms of 10 + 20 publishers) over 2 gateways',
    '| deliveries per second | 1015 mean over 30 s, peak 1029',
    '| latency p50 / p95 / p99 (send to receipt) | 12 ms / 45 ms / 70 ms',
    '| join latency p50 / p95 / p99 (room:join to ack, membership checked; private rooms) | 4 ms / 9 ms / 15 ms (max 20 ms) |',
    '| send latency p50 / p95 / p99 (send to ack: membership checked, Kafka acks=all) | 6 ms / 11 ms / 18 ms |',
    '| roomVisibility | private |',
    '| lost (acked, never delivered to a member) | 0 |',
    '| duplicated (delivered twice to a member) | 0 |',
    '| acked messages in PostgreSQL exactly once | 1 of 1 (missing 0, duplicate rows 0',
    '| rows persisted per second | 100 during the run (the offered load); capacity of one persister (make bench-persist): 20,000 rows/s',
    '| gateway CPU per delivery | 200.0 µs (6.1 CPU s of 2 gateways',
    'make bench-gateway: 12.34 µs vs 1.50 µs for a raw ws relay',
    '| publish rate |',
    '| rooms | 20 |',
    '| CPU | 2 x test |',
    '![delivery latency and deliveries per second](chart.svg)',
    'Command: `SB_ROOMS=20 make bench`',
  ]) {
    assert.ok(report.includes(figure), `report lacks: ${figure}`);
  }
  assert.ok(!report.includes('tokensFile'), 'no token file path in a shareable report');
});

test('sub-benchmark figures are read from their output, and absent when they printed none', () => {
  assert.equal(persisterCapacity(data.subBenchmarks), '20,000');
  assert.equal(gatewayCpuFigures(data.subBenchmarks), '12.34 µs vs 1.50 µs for a raw ws relay');
  assert.equal(persisterCapacity([]), undefined);
  assert.equal(gatewayCpuFigures([]), undefined);
});

test('the chart plots every second: three latency lines and one bar per second', () => {
  const svg = renderChart(seconds, 'test <run> & more');
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.includes('test &lt;run&gt; &amp; more'), 'text is escaped');
  const polylines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)];
  assert.equal(polylines.length, 3);
  for (const [, points] of polylines) assert.equal(points!.split(' ').length, seconds.length);
  assert.equal([...svg.matchAll(/<rect x=/g)].length, seconds.length);
  assert.ok(!svg.includes('NaN'));
});

test('percentiles are nearest-rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 95), 95);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('crossed thresholds are named in the report', () => {
  const crossed: BenchData = {
    ...data,
    k6ExitCode: 99,
    summary: {
      metrics: {
        ...data.summary!.metrics,
        sb_delivery_latency: {
          med: 12,
          'p(95)': 600,
          thresholds: { 'p(95)<500': true, 'p(99)<1000': false },
        },
      },
    },
  };
  assert.ok(renderReport(crossed).includes('| k6 thresholds | crossed: sb_delivery_latency: p(95)<500 |'));
});
