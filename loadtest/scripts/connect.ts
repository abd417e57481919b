/**
 * connect: a ramp of concurrent connections with churn (connect, join, stay, leave,
 * disconnect, again) to find the connections per gateway at which handshake latency or errors
 * break their thresholds. A broken threshold aborts the run; `vus` (max) in the summary is
 * then the concurrency it broke at.
 *
 * Knobs (env): SB_MAX_CONNECTIONS, SB_RAMP_UP, SB_HOLD, SB_SESSION_MS, SB_ROOMS,
 * SB_HANDSHAKE_P95_MS, SB_MAX_ERROR_RATE, SB_ROOM_VISIBILITY; see loadtest/README.md.
 */
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { ErrorAck } from '../../protocol/src/errors.ts';
import { ClientEvent } from '../../protocol/src/events.ts';
import type { JoinAck, LeaveAck } from '../../protocol/src/payloads.ts';
import { connectRoomName, connectRoomPlan } from '../src/room-plan.ts';
import { newRunId } from '../src/run-id.ts';
import { connectParams } from '../src/scenario-params.ts';
import { pause } from './lib/pause.ts';
import { createRooms } from './lib/rooms-setup.ts';
import { connect, type SocketIoClient, SocketIoError } from './lib/socketio-client.ts';
import { loadTokens } from './lib/tokens.ts';

const p = connectParams(__ENV);
const tokens = loadTokens(p.tokensFile, p.maxConnections);

const handshake = new Trend('sb_handshake_duration', true);
const joinDuration = new Trend('sb_join_duration', true);
const sessions = new Counter('sb_sessions');
const errors = new Rate('sb_connect_errors');

// Judge only after a few seconds of samples, so one slow first handshake does not abort.
const abort = { abortOnFail: true, delayAbortEval: '10s' };

export const options = {
  scenarios: {
    churn: {
      executor: 'ramping-vus',
      exec: 'churn',
      startVUs: 0,
      stages: [
        { duration: p.rampUp, target: p.maxConnections },
        { duration: p.hold, target: p.maxConnections },
      ],
      gracefulRampDown: `${Math.ceil(p.sessionMs / 1000) + 10}s`,
    },
  },
  thresholds: {
    sb_handshake_duration: [{ threshold: `p(95)<${p.handshakeP95Ms}`, ...abort }],
    sb_connect_errors: [{ threshold: `rate<=${p.maxErrorRate}`, ...abort }],
    sb_sessions: ['count>0'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
  setupTimeout: '5m',
};

type SetupData = { runId: string };

/** The rooms, created through the rooms API with every connection that uses them as a member. */
export function setup(): SetupData {
  const runId = p.runId || newRunId();
  createRooms({ target: p.target, tokens, visibility: p.roomVisibility }, connectRoomPlan(p, runId));
  return { runId };
}

/** One session of one VU; VUs at once = connections at once. */
export async function churn(data: SetupData): Promise<void> {
  const index = exec.vu.idInTest - 1;
  const target = p.targets.length > 0 ? p.targets[index % p.targets.length]! : p.target;
  const room = connectRoomName(data.runId, index % p.rooms);
  const started = Date.now();
  let client: SocketIoClient;
  try {
    client = await connect({ target, token: tokens[index]!.token, socketPath: p.socketPath });
  } catch (err) {
    errors.add(true, { op: 'connect', code: err instanceof SocketIoError ? err.code : 'CLIENT_ERROR' });
    await pause(1_000);
    return;
  }
  handshake.add(Date.now() - started);
  errors.add(false, { op: 'connect' });
  try {
    const joinStarted = Date.now();
    const joined = await client.emitWithAck<JoinAck | ErrorAck>(ClientEvent.RoomJoin, { room });
    if (!joined.ok) throw new SocketIoError(joined.error.code, joined.error.message);
    joinDuration.add(Date.now() - joinStarted);
    errors.add(false, { op: 'join' });
    await pause(p.sessionMs);
    const left = await client.emitWithAck<LeaveAck | ErrorAck>(ClientEvent.RoomLeave, { room });
    if (!left.ok) throw new SocketIoError(left.error.code, left.error.message);
    errors.add(false, { op: 'leave' });
    sessions.add(1);
  } catch (err) {
    errors.add(true, { op: 'session', code: err instanceof SocketIoError ? err.code : 'CLIENT_ERROR' });
  } finally {
    client.close();
  }
}
