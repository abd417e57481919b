/**
 * Fan-out under load, shared by the `fanout` and `soak` scripts: R rooms of M receivers and P
 * publishers each. Publishers send at a fixed rate and, at the end, a tally of what they sent;
 * every receiver measures send-to-receipt latency, and counts duplicates, reorderings and (from
 * the tallies) every acknowledged message it never got.
 */
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import type { ErrorAck } from '../../../protocol/src/errors.ts';
import { ClientEvent, ServerEvent } from '../../../protocol/src/events.ts';
import type { ChatMessage, JoinAck, PresenceEvent, SendAck } from '../../../protocol/src/payloads.ts';
import { presenceChanges } from '../../../protocol/src/presence.ts';
import { DeliveryTracker } from '../../src/delivery-tracker.ts';
import {
  clientMsgIdFor,
  messageBody,
  parseClientMsgId,
  sentAtOf,
  type Tally,
  tallyBody,
  tallyOf,
  toRanges,
} from '../../src/fanout-message.ts';
import { fanoutRoomName, fanoutRoomPlan } from '../../src/room-plan.ts';
import { durationMs, type FanoutParams } from '../../src/scenario-params.ts';
import { pause } from './pause.ts';
import { createRooms } from './rooms-setup.ts';
import { connect, type SocketIoClient, SocketIoError } from './socketio-client.ts';
import type { TokenEntry } from './tokens.ts';

export const metrics = {
  /** First delivery of a run message to a receiver. */
  deliveries: new Counter('sb_deliveries'),
  /** Publisher's send time to receipt (same k6 clock): the end-to-end latency users feel. */
  latency: new Trend('sb_delivery_latency', true),
  /** Server acceptance time (`ts` of the message) to receipt; includes clock skew in a cluster. */
  broadcastLatency: new Trend('sb_broadcast_latency', true),
  lost: new Counter('sb_lost'),
  duplicated: new Counter('sb_duplicated'),
  outOfOrder: new Counter('sb_out_of_order'),
  talliesMissing: new Counter('sb_tallies_missing'),
  lateReceivers: new Counter('sb_late_receivers'),
  /** One sample per acknowledged message; its metadata carries the server id (for the DB check). */
  acked: new Counter('sb_messages_acked'),
  /** Send to ack: the send latency (membership check, Kafka acks=all). */
  ackLatency: new Trend('sb_ack_latency', true),
  /** room:join to its ack: the join latency (membership check on the gateway). */
  joinDuration: new Trend('sb_join_duration', true),
  sendErrors: new Counter('sb_send_errors'),
  connectDuration: new Trend('sb_connect_duration', true),
  /** Every connect, join and send attempt: true when it failed. */
  errors: new Rate('sb_errors'),
};

export type RunContext = {
  p: FanoutParams;
  tokens: TokenEntry[];
  runId: string;
  /** Extra tags for latency samples (soak: the time window). */
  latencyTags?: (now: number) => Record<string, string>;
};

const SETTLE_MS = 500;
const SEND_ATTEMPTS = 3;
const EXIT_GRACE = '30s';

/** setup(): the run's rooms, created through the rooms API with their members (private by default). */
export function createFanoutRooms(ctx: RunContext): void {
  createRooms(
    { target: ctx.p.target, tokens: ctx.tokens, visibility: ctx.p.roomVisibility },
    fanoutRoomPlan(ctx.p, ctx.runId),
  );
}

export function receiverVus(p: FanoutParams): number {
  return Math.ceil((p.rooms * p.members) / p.connectionsPerVu);
}

export function fanoutScenarios(p: FanoutParams) {
  // Receivers: warmup, then up to another warmup while publishers wait for full rooms.
  const total = 2 * durationMs(p.warmup) + durationMs(p.duration) + durationMs(p.drain);
  return {
    receivers: {
      executor: 'per-vu-iterations' as const,
      exec: 'receive',
      vus: receiverVus(p),
      iterations: 1,
      maxDuration: `${Math.ceil(total / 1000) + 30}s`,
      gracefulStop: EXIT_GRACE,
    },
    publishers: {
      executor: 'per-vu-iterations' as const,
      exec: 'publish',
      vus: p.rooms * p.publishers,
      iterations: 1,
      startTime: p.warmup,
      maxDuration: `${Math.ceil((durationMs(p.warmup) + durationMs(p.duration) + durationMs(p.drain)) / 1000) + 30}s`,
      gracefulStop: EXIT_GRACE,
    },
  };
}

export function fanoutThresholds(p: FanoutParams): Record<string, string[]> {
  return {
    sb_delivery_latency: [`p(95)<${p.p95Ms}`, `p(99)<${p.p99Ms}`],
    sb_lost: ['count==0'],
    sb_duplicated: ['count==0'],
    sb_tallies_missing: ['count==0'],
    sb_deliveries: ['count>0'],
    sb_errors: [`rate<=${p.maxErrorRate}`],
  };
}

/** One receiver VU: its share of the receiver connections, all running concurrently. */
export async function receive(ctx: RunContext): Promise<void> {
  const vuIndex = exec.scenario.iterationInTest;
  const first = vuIndex * ctx.p.connectionsPerVu;
  const last = Math.min(first + ctx.p.connectionsPerVu, ctx.p.rooms * ctx.p.members);
  const receivers: Array<Promise<void>> = [];
  for (let i = first; i < last; i++) receivers.push(runReceiver(ctx, i));
  await Promise.all(receivers);
}

/** One publisher VU. */
export async function publish(ctx: RunContext): Promise<void> {
  await runPublisher(ctx, exec.scenario.iterationInTest);
}

function targetFor(ctx: RunContext, connectionIndex: number): string {
  const { targets, target } = ctx.p;
  return targets.length > 0 ? targets[connectionIndex % targets.length]! : target;
}

type Joined = {
  client: SocketIoClient;
  /** Users in the room, kept up to date from the join ack and presence events. */
  present: Set<string>;
  /** Users a big room's join ack counted but did not name (`partial`). */
  unnamed: number;
};

async function open(ctx: RunContext, connectionIndex: number, room: string): Promise<Joined | undefined> {
  const started = Date.now();
  let client: SocketIoClient;
  try {
    client = await connect({
      target: targetFor(ctx, connectionIndex),
      token: ctx.tokens[connectionIndex]!.token,
      socketPath: ctx.p.socketPath,
      timeoutMs: ctx.p.ackTimeoutMs,
    });
  } catch (err) {
    metrics.errors.add(true, { op: 'connect', code: codeOf(err) });
    return undefined;
  }
  metrics.connectDuration.add(Date.now() - started);
  metrics.errors.add(false, { op: 'connect' });
  const present = new Set<string>();
  let unnamed = 0;
  client.on(ServerEvent.Presence, (raw) => {
    const event = raw as PresenceEvent;
    if (event.room !== room) return;
    const { joined, left } = presenceChanges(event);
    for (const u of joined) present.add(u);
    for (const u of left) present.delete(u);
  });
  try {
    const joinStarted = Date.now();
    const ack = await client.emitWithAck<JoinAck | ErrorAck>(
      ClientEvent.RoomJoin,
      { room },
      ctx.p.ackTimeoutMs,
    );
    if (!ack.ok) throw new SocketIoError(ack.error.code, ack.error.message);
    metrics.joinDuration.add(Date.now() - joinStarted);
    for (const user of ack.presence) present.add(user);
    if (ack.partial) unnamed = ack.onlineCount - ack.presence.length;
  } catch (err) {
    metrics.errors.add(true, { op: 'join', code: codeOf(err) });
    client.close();
    return undefined;
  }
  metrics.errors.add(false, { op: 'join' });
  return { client, present, unnamed };
}

async function runReceiver(ctx: RunContext, index: number): Promise<void> {
  const { p, runId } = ctx;
  const roomIndex = Math.floor(index / p.members);
  const publishStart = exec.scenario.startTime + durationMs(p.warmup);
  const deadline = publishStart + durationMs(p.warmup) + durationMs(p.duration) + durationMs(p.drain);
  const publishers: number[] = [];
  for (let k = 0; k < p.publishers; k++) publishers.push(roomIndex * p.publishers + k);

  const tracker = new DeliveryTracker();
  const tallies = new Map<number, Tally>();
  const lowestSeq = new Map<number, number>();
  let late = false;
  let finished = false;
  let settleTimer: number | undefined;

  const joined = await open(ctx, index, fanoutRoomName(runId, roomIndex));
  if (!joined) return;
  const { client } = joined;
  // Joined after publishing could have begun: late, unless the publisher's tally says it
  // waited for a full room (then this receiver was in it).
  const joinedAfterStart = Date.now() > publishStart;

  await new Promise<void>((resolve) => {
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadlineTimer);
      if (settleTimer !== undefined) clearTimeout(settleTimer);
      for (const publisher of publishers) {
        const tally = tallies.get(publisher);
        if (tally) {
          // A late receiver cannot have what was sent before it joined: only what followed
          // its first delivery counts as lost.
          const lateForThis = joinedAfterStart && !tally.roomFull;
          late ||= lateForThis;
          const from = lateForThis ? (lowestSeq.get(publisher) ?? tally.sent) : 0;
          metrics.lost.add(tracker.lost(publisher, tally, from));
        } else {
          metrics.talliesMissing.add(1);
          metrics.lost.add(tracker.openGaps(publisher));
        }
        metrics.outOfOrder.add(tracker.outOfOrder(publisher));
      }
      if (late) metrics.lateReceivers.add(1);
      client.close();
      resolve();
    };
    const deadlineTimer = setTimeout(finish, Math.max(0, deadline - Date.now()));
    client.onClose(finish);
    client.on(ServerEvent.Message, (raw) => {
      const now = Date.now();
      const message = raw as ChatMessage;
      const name = parseClientMsgId(message.clientMsgId);
      if (!name || name.runId !== runId) return;
      if (name.seq === 'end') {
        const tally = tallyOf(message.body);
        if (tally) tallies.set(name.publisher, tally);
        if (tallies.size === publishers.length && settleTimer === undefined) {
          settleTimer = setTimeout(finish, SETTLE_MS);
        }
        return;
      }
      if (tracker.record(name.publisher, name.seq) === 'duplicate') {
        metrics.duplicated.add(1);
        return;
      }
      if (name.seq < (lowestSeq.get(name.publisher) ?? Number.POSITIVE_INFINITY)) {
        lowestSeq.set(name.publisher, name.seq);
      }
      metrics.deliveries.add(1);
      const tags = ctx.latencyTags?.(now);
      const sentAt = sentAtOf(message.body);
      if (sentAt !== undefined) metrics.latency.add(now - sentAt, tags);
      metrics.broadcastLatency.add(now - message.ts, tags);
    });
  });
}

async function runPublisher(ctx: RunContext, index: number): Promise<void> {
  const { p, runId } = ctx;
  const roomIndex = Math.floor(index / p.publishers);
  const room = fanoutRoomName(runId, roomIndex);
  const connectionIndex = p.rooms * p.members + index;
  const joined = await open(ctx, connectionIndex, room);
  if (!joined) return;
  const { client, present, unnamed } = joined;
  // Publishing starts once the room is full (every member's join is visible in presence), or
  // after one more warmup at the latest; a receiver still missing then counts as late.
  const roomSize = p.members + p.publishers;
  const waitUntil = Date.now() + durationMs(p.warmup);
  while (present.size + unnamed < roomSize && Date.now() < waitUntil && client.connected) await pause(100);
  const roomFull = present.size + unnamed >= roomSize;

  let seq = 0;
  const unacked: number[] = [];
  const inflight = new Set<Promise<void>>();
  const interval = 1000 / p.rate;
  const total = Math.round((durationMs(p.duration) / 1000) * p.rate);
  const start = Date.now();
  await new Promise<void>((resolve) => {
    // A fixed schedule: message n is due at start + n * interval. A tick that comes late (a
    // busy load generator) sends everything due, so the offered rate holds.
    const tick = () => {
      const due = Math.min(total, Math.floor((Date.now() - start) / interval) + 1);
      while (seq < due && client.connected) {
        const mine = seq++;
        const body = messageBody(Date.now(), p.bodyBytes);
        const sending = send(ctx, client, room, clientMsgIdFor(runId, index, mine), body, 'message').then(
          (ok) => {
            if (!ok) unacked.push(mine);
            inflight.delete(sending);
          },
        );
        inflight.add(sending);
      }
      if (seq >= total || !client.connected) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, interval);
    tick();
  });
  await Promise.all([...inflight]);
  unacked.sort((a, b) => a - b);
  const tally = tallyBody({ sent: seq, unacked: toRanges(unacked), roomFull });
  await send(ctx, client, room, clientMsgIdFor(runId, index, 'end'), tally, 'tally');
  client.close();
}

/**
 * message:send with the protocol's retry rule: a retryable error or a lost ack is retried
 * with the same clientMsgId (safe: G3), a non-retryable one is final.
 */
async function send(
  ctx: RunContext,
  client: SocketIoClient,
  room: string,
  clientMsgId: string,
  body: string,
  kind: 'message' | 'tally',
): Promise<boolean> {
  for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
    const started = Date.now();
    let retryAfterMs = 250;
    try {
      const ack = await client.emitWithAck<SendAck | ErrorAck>(
        ClientEvent.MessageSend,
        { room, clientMsgId, body },
        ctx.p.ackTimeoutMs,
      );
      if (ack.ok) {
        metrics.errors.add(false, { op: 'send' });
        if (kind === 'message') metrics.ackLatency.add(Date.now() - started);
        recordAcked(ack.id, clientMsgId, room, kind);
        return true;
      }
      metrics.errors.add(true, { op: 'send', code: ack.error.code });
      metrics.sendErrors.add(1, { code: ack.error.code });
      if (!ack.error.retryable) return false;
      retryAfterMs = ack.error.retryAfterMs ?? retryAfterMs;
    } catch (err) {
      metrics.errors.add(true, { op: 'send', code: codeOf(err) });
      metrics.sendErrors.add(1, { code: codeOf(err) });
      if (!client.connected) return false;
    }
    if (attempt < SEND_ATTEMPTS) await pause(retryAfterMs);
  }
  return false;
}

/** The server id travels as sample metadata (not a tag: no series per message). */
function recordAcked(id: string, clientMsgId: string, room: string, kind: 'message' | 'tally'): void {
  const metadata = exec.vu.metrics.metadata;
  metadata.msg_id = id;
  metadata.client_msg_id = clientMsgId;
  metadata.room = room;
  metrics.acked.add(1, { kind });
  delete metadata.msg_id;
  delete metadata.client_msg_id;
  delete metadata.room;
}

function codeOf(err: unknown): string {
  return err instanceof SocketIoError ? err.code : 'CLIENT_ERROR';
}
