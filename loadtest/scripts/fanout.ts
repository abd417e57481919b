/**
 * fanout: R rooms of M receivers spread over the gateways, P publishers per room at a set
 * rate. Proves that every acknowledged message reaches every member once, and how fast.
 *
 *   SB_TARGET=http://127.0.0.1:13000 SB_TOKENS_FILE=tokens.json k6 run dist/fanout.js
 *
 * setup() creates the rooms through the rooms API (private, members added by the owner), so
 * joins and sends are authorized against real memberships.
 *
 * Knobs (env): SB_ROOMS, SB_MEMBERS, SB_PUBLISHERS, SB_RATE, SB_DURATION, SB_BODY_BYTES,
 * SB_WARMUP, SB_DRAIN, SB_P95_MS, SB_P99_MS, SB_MAX_ERROR_RATE, SB_ROOM_VISIBILITY; see
 * loadtest/README.md.
 */

import { newRunId } from '../src/run-id.ts';
import { fanoutParams, usersNeeded } from '../src/scenario-params.ts';
import {
  createFanoutRooms,
  fanoutScenarios,
  fanoutThresholds,
  publish as publishVu,
  type RunContext,
  receive as receiveVu,
} from './lib/fanout-run.ts';
import { loadTokens } from './lib/tokens.ts';

const p = fanoutParams(__ENV);
const tokens = loadTokens(p.tokensFile, usersNeeded('fanout', __ENV));

export const options = {
  scenarios: fanoutScenarios(p),
  thresholds: fanoutThresholds(p),
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max', 'count'],
  // Room setup makes one API call per member; generous for large runs on a loaded machine.
  setupTimeout: '5m',
};

type SetupData = { runId: string };

export function setup(): SetupData {
  const runId = p.runId || newRunId();
  createFanoutRooms({ p, tokens, runId });
  return { runId };
}

export function receive(data: SetupData): Promise<void> {
  return receiveVu(context(data));
}

export function publish(data: SetupData): Promise<void> {
  return publishVu(context(data));
}

function context(data: SetupData): RunContext {
  return { p, tokens, runId: data.runId };
}
