/**
 * history: the history API under concurrent paging. setup() creates one room through the rooms
 * API (private by default, every token a member, so each page is authorized), seeds it through
 * the socket (acked sends) and waits until every message is persisted; then readers page the
 * whole room at once, backwards (`before`) and forwards (`after`), and every walk must return
 * exactly the seeded ids, in order, without overlap or gap.
 *
 * Knobs (env): SB_MESSAGES, SB_READERS, SB_PAGE_SIZE, SB_DURATION, SB_PAGE_P95_MS,
 * SB_ROOM_VISIBILITY.
 */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import type { ErrorAck } from '../../protocol/src/errors.ts';
import { ClientEvent } from '../../protocol/src/events.ts';
import type { HistoryPage, JoinAck, SendAck } from '../../protocol/src/payloads.ts';
import { historyRoomName, historyRoomPlan } from '../src/room-plan.ts';
import { newRunId } from '../src/run-id.ts';
import { historyParams } from '../src/scenario-params.ts';
import { pause } from './lib/pause.ts';
import { createRooms } from './lib/rooms-setup.ts';
import { connect } from './lib/socketio-client.ts';
import { loadTokens } from './lib/tokens.ts';

const p = historyParams(__ENV);
const tokens = loadTokens(p.tokensFile, p.readers);

const walks = new Counter('sb_history_walks');
const incomplete = new Counter('sb_history_incomplete');
const walkDuration = new Trend('sb_history_walk_duration', true);

/** Below the gateway's default per-user rate (10/s) so seeding is never throttled. */
const SEED_RATE_PER_USER = 8;
const MAX_SEEDERS = 10;
const PERSIST_WAIT_MS = 120_000;

export const options = {
  scenarios: {
    readers: { executor: 'constant-vus', exec: 'read', vus: p.readers, duration: p.duration },
  },
  setupTimeout: '5m',
  thresholds: {
    'http_req_duration{name:history-page}': [`p(95)<${p.pageP95Ms}`],
    'http_req_failed{name:history-page}': ['rate==0'],
    sb_history_incomplete: ['count==0'],
    sb_history_walks: ['count>0'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

type SetupData = { room: string; ids: string[] };

export async function setup(): Promise<SetupData> {
  const runId = p.runId || newRunId();
  const room = historyRoomName(runId);
  // Private by default: every seeder and reader is a member, added by the seeder that owns it.
  createRooms(
    { target: p.target, tokens, visibility: p.roomVisibility },
    historyRoomPlan(tokens.length, runId),
  );
  const seeders = Math.min(MAX_SEEDERS, p.readers);
  const ids: string[] = [];
  const seed = async (seeder: number) => {
    const client = await connect({
      target: p.target,
      token: tokens[seeder]!.token,
      socketPath: p.socketPath,
    });
    const joined = await client.emitWithAck<JoinAck | ErrorAck>(ClientEvent.RoomJoin, { room });
    if (!joined.ok) throw new Error(`join: ${joined.error.code} ${joined.error.message}`);
    for (let n = seeder; n < p.messages; n += seeders) {
      const ack = await client.emitWithAck<SendAck | ErrorAck>(ClientEvent.MessageSend, {
        room,
        clientMsgId: `${runId}_h${n}`,
        body: `history message ${n}`,
      });
      if (!ack.ok) throw new Error(`seed send ${n}: ${ack.error.code} ${ack.error.message}`);
      ids.push(ack.id);
      await pause(1000 / SEED_RATE_PER_USER);
    }
    client.close();
  };
  const all: Array<Promise<void>> = [];
  for (let s = 0; s < seeders; s++) all.push(seed(s));
  await Promise.all(all);
  ids.sort();

  // The persister writes asynchronously: wait until the whole room is readable.
  const deadline = Date.now() + PERSIST_WAIT_MS;
  for (;;) {
    const seen = walkBackwards(room, tokens[0]!.token);
    if (seen !== undefined && seen.length === ids.length) break;
    if (Date.now() > deadline) {
      throw new Error(
        `only ${seen?.length ?? 0} of ${ids.length} seeded messages persisted after ${PERSIST_WAIT_MS} ms`,
      );
    }
    await pause(1_000);
  }
  return { room, ids };
}

export function read(data: SetupData): void {
  const token = tokens[(exec.vu.idInTest - 1) % tokens.length]!.token;
  const forwards = exec.vu.iterationInScenario % 2 === 1;
  const started = Date.now();
  const got = forwards ? walkForwards(data.room, token, data.ids[0]!) : walkBackwards(data.room, token);
  const expected = forwards ? data.ids.slice(1) : data.ids;
  walkDuration.add(Date.now() - started, { direction: forwards ? 'after' : 'before' });
  walks.add(1);
  const complete = check(got, {
    'a walk returns every message once, in id order': (ids) =>
      ids !== undefined && ids.length === expected.length && ids.every((id, i) => id === expected[i]),
  });
  if (!complete) incomplete.add(1);
}

/** Newest page first, then `before` the oldest id of each page; returns ids oldest first. */
function walkBackwards(room: string, token: string): string[] | undefined {
  const pages: string[][] = [];
  let before: string | undefined;
  for (;;) {
    const page = getPage(room, token, before ? `before=${before}` : '');
    if (!page) return undefined;
    pages.unshift(page.messages.map((m) => m.id));
    if (!page.nextBefore) break;
    before = page.nextBefore;
  }
  return pages.flat();
}

/** From just after `after`, following `nextAfter`; returns ids oldest first. */
function walkForwards(room: string, token: string, after: string): string[] | undefined {
  const ids: string[] = [];
  let cursor = after;
  for (;;) {
    const page = getPage(room, token, `after=${cursor}`);
    if (!page) return undefined;
    for (const m of page.messages) ids.push(m.id);
    if (!page.nextAfter) break;
    cursor = page.nextAfter;
  }
  return ids;
}

function getPage(room: string, token: string, cursor: string): HistoryPage | undefined {
  const query = `limit=${p.pageSize}${cursor ? `&${cursor}` : ''}`;
  const res = http.get(
    `${p.target.replace(/\/+$/, '')}/v1/rooms/${encodeURIComponent(room)}/messages?${query}`,
    {
      headers: { Authorization: `Bearer ${token}` },
      tags: { name: 'history-page' },
    },
  );
  if (res.status !== 200) return undefined;
  return res.json() as unknown as HistoryPage;
}
