/**
 * soak: the fanout load held for a long time (30 min by default, at a modest rate), watching
 * for drift: latency is tagged by window (first and last tenth of the run) so thresholds
 * compare the end with the start, and the gateways' resident memory is sampled from /metrics.
 *
 * Knobs (env): those of fanout (defaults SB_DURATION=30m, SB_RATE=2), plus SB_METRICS_URLS
 * (comma-separated gateway /metrics URLs; set automatically for the local stack),
 * SB_SAMPLE_EVERY. `make loadtest SCENARIO=soak` also fails the run when the late p95 exceeds
 * SB_MAX_DRIFT (1.5) times the early p95 and by more than SB_DRIFT_FLOOR_MS (50).
 */
import http from 'k6/http';
import { Trend } from 'k6/metrics';
import { newRunId } from '../src/run-id.ts';
import { durationMs, soakParams, usersNeeded } from '../src/scenario-params.ts';
import {
  createFanoutRooms,
  fanoutScenarios,
  fanoutThresholds,
  publish as publishVu,
  type RunContext,
  receive as receiveVu,
} from './lib/fanout-run.ts';
import { pause } from './lib/pause.ts';
import { loadTokens } from './lib/tokens.ts';

const p = soakParams(__ENV);
const tokens = loadTokens(p.tokensFile, usersNeeded('soak', __ENV));

const rssMb = new Trend('sb_gateway_rss_mb');
const heapMb = new Trend('sb_gateway_heap_mb');

const publishMs = durationMs(p.duration);
const tenth = publishMs / 10;

export const options = {
  scenarios: {
    ...fanoutScenarios(p),
    memory: {
      executor: 'per-vu-iterations' as const,
      exec: 'sampleMemory',
      vus: 1,
      iterations: 1,
      maxDuration: `${Math.ceil((durationMs(p.warmup) + publishMs + durationMs(p.drain)) / 1000) + 30}s`,
    },
  },
  thresholds: {
    ...fanoutThresholds(p),
    // Both windows must meet the latency bound on their own: the end of a soak is no excuse.
    'sb_delivery_latency{window:early}': [`p(95)<${p.p95Ms}`],
    'sb_delivery_latency{window:late}': [`p(95)<${p.p95Ms}`],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max', 'count'],
  setupTimeout: '5m',
};

type SetupData = { runId: string; publishStart: number };

export function setup(): SetupData {
  const runId = p.runId || newRunId();
  createFanoutRooms({ p, tokens, runId });
  return { runId, publishStart: Date.now() + durationMs(p.warmup) };
}

export function receive(data: SetupData): Promise<void> {
  return receiveVu(context(data));
}

export function publish(data: SetupData): Promise<void> {
  return publishVu(context(data));
}

/** Resident and heap memory of every gateway, every SB_SAMPLE_EVERY, for the whole run. */
export async function sampleMemory(data: SetupData): Promise<void> {
  const end = data.publishStart + publishMs + durationMs(p.drain);
  const every = durationMs(p.sampleEvery);
  while (Date.now() < end) {
    for (const url of p.metricsUrls) {
      const res = http.get(url, { tags: { name: 'gateway-metrics' } });
      if (res.status !== 200 || typeof res.body !== 'string') continue;
      const rss = metricValue(res.body, 'process_resident_memory_bytes');
      const heap = metricValue(res.body, 'nodejs_heap_size_used_bytes');
      const tags = { gateway: url, window: windowOf(data, Date.now()) };
      if (rss !== undefined) rssMb.add(rss / 2 ** 20, tags);
      if (heap !== undefined) heapMb.add(heap / 2 ** 20, tags);
    }
    await pause(every);
  }
}

function context(data: SetupData): RunContext {
  return { p, tokens, runId: data.runId, latencyTags: (now) => ({ window: windowOf(data, now) }) };
}

function windowOf(data: SetupData, now: number): string {
  const elapsed = now - data.publishStart;
  if (elapsed < tenth) return 'early';
  if (elapsed > publishMs - tenth) return 'late';
  return 'middle';
}

/** Sum of a metric's samples in Prometheus text format (any prefix, any labels). */
function metricValue(text: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && (match[1] === name || match[1]!.endsWith(`_${name}`)))
      total = (total ?? 0) + Number(match[3]);
  }
  return total;
}
