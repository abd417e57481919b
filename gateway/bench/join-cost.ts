import { parseArgs } from 'node:util';
import { createDatabase, createRoom } from '@switchboard/db';
import {
  ClientEvent,
  type JoinAck,
  type PresenceEvent,
  presenceChanges,
  ServerEvent,
} from '@switchboard/protocol';
import { devJwtSecret, HOST, httpOk, ports, runningPid, serviceEnv } from '@switchboard/stack';
import { io, type Socket } from 'socket.io-client';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { cpuMicros, rssBytes } from './process-stats.ts';

/**
 * What a big room costs one gateway: members connect straight to gateway-1 and join one room;
 * prints its CPU per connect + join, the time to fill the room, the presence events a member
 * got; first, the memory each idle connection holds (RSS and V8 heap over --idle connections;
 * meaningful on a freshly started gateway-1).
 *   node gateway/bench/join-cost.ts --members 1000 --idle 2000 [--new-members] [--concurrency 20]
 */
const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000' },
    idle: { type: 'string', default: '2000' },
    /** Connects + joins in flight at once. */
    concurrency: { type: 'string', default: '20' },
    /** Members join as new users (each join writes its membership) instead of existing members reconnecting. */
    'new-members': { type: 'boolean', default: false },
    /** The gateway process to measure when it is not the stack's gateway-1 (with SB_GATEWAY1_PORT and SB_GATEWAY1_OPS_PORT). */
    pid: { type: 'string' },
    /** After the fill, every member sends one message (its first send's membership decision). */
    'send-once': { type: 'boolean', default: false },
  },
});
const members = Number(values.members);
const idle = Number(values.idle);
const concurrency = Number(values.concurrency);
const newMembers = values['new-members'];
const url = `http://${HOST}:${ports.gateway1}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The gateway's V8 heap in use, from its /metrics. */
async function heapUsedBytes(): Promise<number> {
  const text = await (await fetch(`http://${HOST}:${ports.gateway1Ops}/metrics`)).text();
  const m = /^switchboard_nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** A client comes with its token: minted before any timing starts (see tokensOf). */
const tokens = new Map<string, string>();
async function tokensOf(users: string[]) {
  for (const user of users) tokens.set(user, (await mintDevToken({ secret: devJwtSecret, sub: user })).token);
}

async function connect(user: string): Promise<Socket> {
  const token = tokens.get(user) ?? (await mintDevToken({ secret: devJwtSecret, sub: user })).token;
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Runs `task(i)` for i < n with at most `concurrency` in flight. */
async function pool<T>(n: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

/** One member's view of the room: the ack's list, then every presence event applied. */
type View = { online: Set<string>; events: number; ackNames: number; unnamed: number };

function applyPresence(view: View, event: PresenceEvent) {
  view.events++;
  if (event.online) view.online = new Set(event.online);
  const { joined, left } = presenceChanges(event);
  for (const user of joined) view.online.add(user);
  for (const user of left) view.online.delete(user);
}

const pid = values.pid ? Number(values.pid) : runningPid('gateway-1');
if (pid === undefined || !(await httpOk(`http://${HOST}:${ports.gateway1Ops}/readyz`))) {
  throw new Error('gateway-1 is not running: start the stack (node --import tsx stack/src/cli.ts up)');
}
const tag = Date.now().toString(36);
const room = `join-cost-${tag}`;

// 1. Idle connections first, while the gateway's memory is fresh: connected, authenticated, in no
// room. A few connections before, so compiling the handshake path is not counted per connection.
for (const s of await pool(50, (i) => connect(`jc-warm-${tag}-${i}`))) s.close();
await sleep(2000);
const rssBefore = rssBytes(pid);
const heapBefore = await heapUsedBytes();
const idleSockets = await pool(idle, (i) => connect(`jc-idle-${tag}-${i}`));
await sleep(3000);
const rssAfter = rssBytes(pid);
const heapAfter = await heapUsedBytes();
console.log(
  `idle: ${idle} connections, RSS ${((rssAfter - rssBefore) / idle / 1024).toFixed(1)} KiB and V8 heap ` +
    `${((heapAfter - heapBefore) / idle / 1024).toFixed(1)} KiB per connection ` +
    `(RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB)`,
);
for (const s of idleSockets) s.close();
await sleep(2000);

if (members === 0) process.exit(0);

// 2. Fill one room.
const memberName = (i: number) => `jc-${tag}-${i}`;
if (!newMembers) {
  // Members already (a room whose members come back, e.g. after a deploy): the join is the
  // socket's cost, not a membership row's.
  const db = createDatabase(serviceEnv().DATABASE_URL);
  await createRoom(db, { name: room, visibility: 'public', createdBy: memberName(0), owner: memberName(0) });
  await db.roomMember.createMany({
    data: Array.from({ length: members - 1 }, (_, i) => ({
      room,
      user: memberName(i + 1),
      role: 'member' as const,
      addedBy: memberName(0),
    })),
  });
  await db.$disconnect();
}
await tokensOf(Array.from({ length: members }, (_, i) => memberName(i)));
const views: View[] = [];
const cpuBefore = cpuMicros(pid);
const started = performance.now();
const connectMs: number[] = [];
const joinMs: number[] = [];
const join = async (i: number) => {
  const t0 = performance.now();
  const socket = await connect(memberName(i));
  const t1 = performance.now();
  connectMs.push(t1 - t0);
  const view: View = { online: new Set(), events: 0, ackNames: 0, unnamed: 0 };
  views[i] = view;
  // Events that arrive before the ack still count; the ack's list is merged in, not replacing.
  socket.on(ServerEvent.Presence, (event: PresenceEvent) => applyPresence(view, event));
  const ack = (await socket.timeout(60_000).emitWithAck(ClientEvent.RoomJoin, { room })) as JoinAck;
  if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
  joinMs.push(performance.now() - t1);
  view.ackNames = ack.presence.length;
  const partial = ack as JoinAck & { onlineCount?: number; partial?: true };
  // Users online at the join but not named: they are not announced again, count them as seen.
  if (partial.partial) view.unnamed = (partial.onlineCount ?? 0) - ack.presence.length;
  for (const user of ack.presence) view.online.add(user);
  return socket;
};
// The first member joins alone (with --new-members it creates the room), then the others.
const sockets = [await join(0), ...(await pool(members - 1, (i) => join(i + 1)))];
const filled = performance.now() - started;
// Until every member sees every member (or 20 s), so trailing presence events are counted.
const settleDeadline = performance.now() + 20_000;
while (views.some((v) => v.online.size + v.unnamed < members) && performance.now() < settleDeadline)
  await sleep(50);
const settled = performance.now() - started;
const fillCpu = cpuMicros(pid) - cpuBefore;
const complete = views.filter((v) => v.online.size + v.unnamed >= members).length;
const events = views.reduce((sum, v) => sum + v.events, 0);
const maxEvents = Math.max(...views.map((v) => v.events));
const ackNames = views.reduce((sum, v) => sum + v.ackNames, 0);
console.log(
  `fill: ${members} ${newMembers ? 'new' : 'existing'} members joined one room on gateway-1 in ${(filled / 1000).toFixed(2)} s ` +
    `(everyone saw everyone after ${(settled / 1000).toFixed(2)} s; ${complete}/${members} complete views)`,
);
console.log(
  `  gateway-1 CPU ${(fillCpu / members).toFixed(0)} µs per connect + join; presence events delivered ` +
    `${events} (${(events / members).toFixed(1)} per member, at most ${maxEvents}); join acks listed ` +
    `${(ackNames / members).toFixed(0)} names on average`,
);
const p = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]?.toFixed(0);
console.log(
  `  latency: connect p50 ${p(connectMs, 0.5)} ms p95 ${p(connectMs, 0.95)} ms; ` +
    `join ack p50 ${p(joinMs, 0.5)} ms p95 ${p(joinMs, 0.95)} ms (${concurrency} in flight)`,
);
if (values['send-once']) {
  const sendCpu = cpuMicros(pid);
  await pool(members, async (i) => {
    const ack = (await sockets[i]!.timeout(60_000).emitWithAck(ClientEvent.MessageSend, {
      room,
      clientMsgId: `once-${i}`,
      body: 'hello',
    })) as { ok: boolean };
    if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
  });
  console.log(
    `  first sends: gateway-1 CPU ${((cpuMicros(pid) - sendCpu) / members).toFixed(0)} µs per member (one send each)`,
  );
}
for (const s of sockets) s.close();

process.exit(0);
