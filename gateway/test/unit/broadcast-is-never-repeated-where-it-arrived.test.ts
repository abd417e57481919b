import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '@switchboard/protocol';
import { createLogger } from '@switchboard/service-kit';
import type { RoomLog } from '../../src/catch-up/room-log.ts';
import type { GatewayMetrics } from '../../src/metrics.ts';
import { createBroadcast } from '../../src/sockets/broadcast.ts';
import type { GatewayIo } from '../../src/sockets/socket-types.ts';

const ROOM = 'r';
const LOCAL_SOCKETS = ['here-1', 'here-2'];
const message = (id: string): ChatMessage => ({
  id,
  room: ROOM,
  sender: 's',
  body: id,
  ts: 1,
  clientMsgId: id,
});

/**
 * What broadcast.ts touches, recorded in one list so the order of log writes and broadcasts
 * shows: `log m1` for an entry issued, `emit m1` for a broadcast to the room, `emit m1 except
 * here-1,here-2` for one to the other pods only. `refuse` makes the next log writes fail.
 */
function harness(options: { connected?: () => boolean } = {}) {
  const calls: string[] = [];
  const failures: unknown[] = [];
  const log = {
    append(m: ChatMessage) {
      calls.push(`log ${m.id}`);
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve();
    },
  } as RoomLog;
  const operator = (room: string, except: string[]) => ({
    except: (ids: string[]) => operator(room, ids),
    emit: (_event: string, m: ChatMessage) => {
      calls.push(`emit ${m.id}${except.length > 0 ? ` except ${except.join(',')}` : ''}`);
      return true;
    },
  });
  const io = {
    to: (room: string) => operator(room, []),
    of: () => ({ adapter: { rooms: new Map([[ROOM, new Set(LOCAL_SOCKETS)]]) } }),
  } as unknown as GatewayIo;
  const delivery = createBroadcast(io, {
    log,
    connected: options.connected ?? (() => true),
    metrics: { broadcastsDropped: { inc() {} } } as unknown as GatewayMetrics,
    logger: createLogger('test', 'silent'),
    maxQueued: 100,
    retry: { initialMs: 1, maxMs: 1 },
  });
  return { calls, refuse: (...errors: unknown[]) => failures.push(...errors), delivery };
}

async function drained(delivery: { queued: number }) {
  while (delivery.queued > 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

test('the log entry and the broadcast are issued together, before anything is awaited', async () => {
  const { calls, delivery } = harness();
  const done = delivery.broadcast(message('m1'));
  assert.deepEqual(calls, ['log m1', 'emit m1'], 'both issued in the same tick: one write');
  await done;
  assert.equal(delivery.queued, 0);
});

test('an error reply to the log entry (OOM fails the broadcast after it too): the broadcast goes again, to the other pods only', async () => {
  const { calls, refuse, delivery } = harness();
  refuse(new Error('OOM command not allowed when used memory > maxmemory'));
  await delivery.broadcast(message('m1'));
  await delivery.broadcast(message('m2'));
  await drained(delivery);
  assert.deepEqual(calls, [
    'log m1',
    'emit m1',
    'log m1',
    'emit m1 except here-1,here-2',
    'log m2',
    'emit m2',
  ]);
});

test('the connection lost under the write: the broadcast goes again, to the other pods only', async () => {
  const { calls, refuse, delivery } = harness();
  refuse(new Error('Connection is closed.'), new Error('Connection is closed.'));
  await delivery.broadcast(message('m1'));
  await drained(delivery);
  assert.deepEqual(calls, ['log m1', 'emit m1', 'log m1', 'log m1', 'emit m1 except here-1,here-2']);
});

test('while the connection is down, nothing goes out before its log entry; order holds behind it', async () => {
  let up = false;
  const { calls, refuse, delivery } = harness({ connected: () => up });
  refuse(new Error('Connection is closed.'));
  await delivery.broadcast(message('m1'));
  up = true;
  await delivery.broadcast(message('m2'));
  await drained(delivery);
  assert.deepEqual(calls, ['log m1', 'log m1', 'emit m1', 'log m2', 'emit m2']);
});
