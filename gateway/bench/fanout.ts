import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { devJwtSecret, HOST, httpOk, ports, repoRoot, runningPid } from '@switchboard/stack';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { mintDevToken } from '../src/auth/dev-token.ts';

/**
 * Fan-out through the load balancer: senders and receivers in one room, spread over the stack's
 * gateways. Prints deliveries/s, send-to-receipt latency, and the gateways' CPU time per
 * delivered message next to a raw `ws` relay of equal frames measured in the same run.
 *   make bench-gateway   (or: node gateway/bench/fanout.ts --receivers 200 --senders 20 --rate 5 --seconds 15)
 */
const { values } = parseArgs({
  options: {
    receivers: { type: 'string', default: '200' },
    senders: { type: 'string', default: '20' },
    rate: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '15' },
  },
});
const receivers = Number(values.receivers);
const senders = Number(values.senders);
const rate = Number(values.rate); // messages per second per sender (the rate limit is per user)
const seconds = Number(values.seconds);
const clockTick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU time (user + system) of a process in microseconds, from /proc/<pid>/stat. */
function cpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTick;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

type Result = { deliveries: number; elapsed: number; cpu: number; latencies: number[]; sent: number };
type JoinCost = { joins: number; cpu: number; latencies: number[] };

/** The gateways' room decisions so far: cache hits and PostgreSQL lookups (misses). */
async function roomDecisions(): Promise<{ hit: number; miss: number }> {
  const total = { hit: 0, miss: 0 };
  for (const port of [ports.gateway1Ops, ports.gateway2Ops]) {
    const text = await (await fetch(`http://${HOST}:${port}/metrics`)).text();
    for (const m of text.matchAll(/room_decision_lookups_total\{[^}]*result="(hit|miss)"[^}]*\} (\d+)/g)) {
      total[m[1] as 'hit' | 'miss'] += Number(m[2]);
    }
  }
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the send schedule, waits for deliveries to drain, measures CPU of `pids` over the run. */
async function drive(
  pids: number[],
  send: (sender: number, seq: number, sentAt: number) => void,
  expected: () => number,
  delivered: () => number,
): Promise<Pick<Result, 'elapsed' | 'cpu' | 'sent'>> {
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  const started = performance.now();
  let sent = 0;
  const timers = Array.from({ length: senders }, (_, s) => {
    let seq = 0;
    // Senders start staggered so the load is even, not in bursts.
    const interval = 1000 / rate;
    return new Promise<void>((resolve) => {
      setTimeout(
        () => {
          const timer = setInterval(() => {
            if (performance.now() - started > seconds * 1000) {
              clearInterval(timer);
              resolve();
              return;
            }
            send(s, seq++, performance.now());
            sent++;
          }, interval);
        },
        (s * interval) / senders,
      );
    });
  });
  await Promise.all(timers);
  const drainDeadline = performance.now() + 15_000;
  while (delivered() < expected() && performance.now() < drainDeadline) await sleep(50);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0) - cpuBefore;
  return { elapsed, cpu, sent };
}

async function socketIoRun(): Promise<
  Result & { join: JoinCost; accepted: number; decisions: { hit: number; miss: number } }
> {
  const url = `http://${HOST}:${ports.loadBalancer}`;
  const lbReady = `http://${HOST}:${ports.loadBalancerOps}/readyz`;
  if (!(await httpOk(lbReady))) throw new Error(`no ready gateway behind ${url}: run make up`);
  const pids = ['gateway-1', 'gateway-2'].map((name) => {
    const pid = runningPid(name);
    if (pid === undefined) throw new Error(`${name} is not running: run make up`);
    return pid;
  });
  const room = `bench-${Date.now().toString(36)}`;
  const connect = async (user: string): Promise<Socket> => {
    const { token } = await mintDevToken({ secret: devJwtSecret, sub: user });
    const socket = io(url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const joinStarted = performance.now();
    await socket.timeout(30_000).emitWithAck(ClientEvent.RoomJoin, { room });
    joinLatencies.push(performance.now() - joinStarted);
    return socket;
  };
  // Connect + join (token check, membership decided and recorded, presence) for every client.
  const joinLatencies: number[] = [];
  const joinCpuBefore = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  const sockets: Socket[] = [];
  for (let i = 0; i < receivers + senders; i += 50) {
    const batch = Array.from({ length: Math.min(50, receivers + senders - i) }, (_, j) =>
      connect(`bench-${i + j}`),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  const join: JoinCost = {
    joins: sockets.length,
    cpu: pids.reduce((sum, pid) => sum + cpuMicros(pid), 0) - joinCpuBefore,
    latencies: joinLatencies,
  };
  const senderSockets = sockets.slice(receivers);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let deliveries = 0;
  let refused = 0;
  for (const socket of sockets) {
    socket.on(ServerEvent.Message, (message: ChatMessage) => {
      deliveries++;
      const t = sentAt.get(message.clientMsgId);
      if (t !== undefined) latencies.push(performance.now() - t);
    });
  }
  await sleep(1000);
  let accepted = 0;
  const decisionsBefore = await roomDecisions();
  const run = await drive(
    pids,
    (s, seq, now) => {
      const clientMsgId = `b${s}-${seq}`;
      sentAt.set(clientMsgId, now);
      senderSockets[s]!.timeout(30_000)
        .emitWithAck(ClientEvent.MessageSend, { room, clientMsgId, body: `bench message ${clientMsgId}` })
        .then(
          (ack: { ok: boolean }) => {
            if (ack.ok) accepted++;
            else refused++;
          },
          () => refused++,
        );
    },
    () => accepted * sockets.length,
    () => deliveries,
  );
  const decisionsAfter = await roomDecisions();
  for (const socket of sockets) socket.close();
  if (refused > 0) console.log(`  (${refused} sends refused, e.g. rate limited: lower --rate)`);
  const decisions = {
    hit: decisionsAfter.hit - decisionsBefore.hit,
    miss: decisionsAfter.miss - decisionsBefore.miss,
  };
  return { ...run, deliveries, latencies, join, accepted, decisions };
}

async function rawWsRun(frameOf: (s: number, seq: number, now: number) => string): Promise<Result> {
  const child = spawn(process.execPath, ['gateway/bench/raw-ws-broadcast.ts', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port));
  });
  const sockets: WebSocket[] = [];
  for (let i = 0; i < receivers + senders; i++) {
    const ws = new WebSocket(`ws://${HOST}:${port}`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    sockets.push(ws);
  }
  const latencies: number[] = [];
  let deliveries = 0;
  for (const ws of sockets) {
    ws.on('message', (data) => {
      deliveries++;
      // The same client work as Socket.IO: parse the packet, read the message.
      const [, message] = JSON.parse(data.toString().slice(2)) as [string, ChatMessage];
      latencies.push(performance.now() - Number(message.body));
    });
  }
  await sleep(1000);
  let sent = 0;
  const run = await drive(
    [child.pid!],
    (s, seq, now) => {
      sent++;
      sockets[receivers + s]!.send(frameOf(s, seq, now));
    },
    () => sent * sockets.length,
    () => deliveries,
  );
  for (const ws of sockets) ws.close();
  child.kill('SIGTERM');
  return { ...run, deliveries, latencies };
}

function report(name: string, r: Result) {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const perDelivery = r.cpu / Math.max(r.deliveries, 1);
  console.log(
    `${name.padEnd(22)} sent ${String(r.sent).padStart(6)}  deliveries ${String(r.deliveries).padStart(8)}  ` +
      `${(r.deliveries / r.elapsed).toFixed(0).padStart(7)} deliveries/s  ` +
      `latency p50 ${percentile(sorted, 50).toFixed(1)} ms  p95 ${percentile(sorted, 95).toFixed(1)} ms  ` +
      `p99 ${percentile(sorted, 99).toFixed(1)} ms  server CPU ${perDelivery.toFixed(2)} µs/delivery`,
  );
  return perDelivery;
}

console.log(
  `fan-out: ${receivers} receivers + ${senders} senders in one room, ${senders * rate} msg/s for ${seconds} s, ` +
    `through the load balancer (${HOST}:${ports.loadBalancer}) onto 2 gateways`,
);
const socketIo = await socketIoRun();
const joins = [...socketIo.join.latencies].sort((a, b) => a - b);
console.log(
  `joins (connect + room:join, membership decided and recorded): ${socketIo.join.joins}, ` +
    `gateway CPU ${(socketIo.join.cpu / socketIo.join.joins).toFixed(0)} µs per join, ` +
    `join ack p50 ${percentile(joins, 50).toFixed(1)} ms p95 ${percentile(joins, 95).toFixed(1)} ms`,
);
console.log(
  `sends: ${socketIo.accepted} accepted, gateway CPU ${(socketIo.cpu / Math.max(socketIo.accepted, 1)).toFixed(0)} µs per send ` +
    `(its fan-out included); room decisions during the sends: ${socketIo.decisions.hit} from the pod cache, ` +
    `${socketIo.decisions.miss} from PostgreSQL`,
);
const gatewayCost = report('socket.io gateways', socketIo);
// Equal frames: what a gateway writes for one message, `42["message",{...}]`.
const raw = await rawWsRun((s, seq, now) => {
  const message: ChatMessage = {
    id: '01a2021d-0c6c-7099-ae7f-f114a04c6296',
    room: 'bench-room',
    sender: `bench-${receivers + s}`,
    body: String(now),
    ts: Date.now(),
    clientMsgId: `b${s}-${seq}`,
  };
  return `42${JSON.stringify(['message', message, '1795331787904-0'])}`;
});
const rawCost = report('raw ws relay', raw);
console.log(
  `gateway CPU per delivered message is ${(gatewayCost / rawCost).toFixed(1)}x the raw ws relay ` +
    `(gateway cost includes auth, validation, rate limit, dedup, Kafka produce, Redis stream fan-out)`,
);
process.exit(0);
