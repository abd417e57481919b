import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ClientEvent } from '@switchboard/protocol';
import { devJwtSecret, HOST, httpOk, ports, runningPid } from '@switchboard/stack';
import { io, type Socket } from 'socket.io-client';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { percentile } from './bench-stats.ts';
import { cpuMicros, treeCpuMicros } from './process-stats.ts';

/**
 * What one accepted message costs the Kafka broker, the persister, PostgreSQL and the gateways,
 * at a low and a high send rate (issue 13: at low rates every message was its own produce
 * request and its own persister transaction). Senders spread over many rooms send through the
 * load balancer at a steady rate; CPU time comes from /proc/<pid>/stat over the run, including
 * the drain into PostgreSQL. Each rate is measured after an idle period of the same processes,
 * so the report also shows the cost above idle (what the messages themselves add).
 *   make bench-produce   (or: node gateway/bench/produce-cost.ts --rates 500,3000 --seconds 10)
 */
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '500,3000' },
    seconds: { type: 'string', default: '10' },
    idle: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '4' },
    rooms: { type: 'string', default: '200' },
    'users-per-room': { type: 'string', default: '2' },
  },
});
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const idleSeconds = Number(values.idle);
const warmupSeconds = Number(values.warmup);
const rooms = Number(values.rooms);
const usersPerRoom = Number(values['users-per-room']);
const users = rooms * usersPerRoom;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidOf(name: string): number {
  const pid = runningPid(name);
  if (pid === undefined) throw new Error(`${name} is not running: run make up`);
  return pid;
}

const groups = {
  gateways: () => cpuMicros(pidOf('gateway-1')) + cpuMicros(pidOf('gateway-2')),
  kafka: () => cpuMicros(pidOf('kafka')),
  persister: () => cpuMicros(pidOf('persister')),
  postgres: () => treeCpuMicros(pidOf('postgres')),
};
type Group = keyof typeof groups;
type Sample = Record<Group, number>;

function sample(): Sample {
  const out = {} as Sample;
  for (const [name, cpu] of Object.entries(groups) as [Group, () => number][]) out[name] = cpu();
  return out;
}

const diff = (a: Sample, b: Sample): Sample =>
  Object.fromEntries(Object.keys(a).map((k) => [k, b[k as Group] - a[k as Group]])) as Sample;

/** Sum of a Prometheus counter or histogram series (every label set) on some /metrics pages. */
async function metricSum(urls: string[], name: string): Promise<number> {
  let total = 0;
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}
const gatewayMetrics = [ports.gateway1Ops, ports.gateway2Ops].map((p) => `http://${HOST}:${p}/metrics`);
const persisterMetrics = [`http://${HOST}:${ports.persister}/metrics`];
const counters = async () => ({
  requests: await metricSum(gatewayMetrics, 'switchboard_gateway_kafka_batch_size_count'),
  produced: await metricSum(gatewayMetrics, 'switchboard_gateway_kafka_batch_size_sum'),
  chunks: await metricSum(persisterMetrics, 'switchboard_persister_batch_size_rows_count'),
  rows: await metricSum(persisterMetrics, 'switchboard_persister_rows_written_total'),
});

async function connectAll(): Promise<{ socket: Socket; room: string }[]> {
  const url = `http://${HOST}:${ports.loadBalancer}`;
  if (!(await httpOk(`http://${HOST}:${ports.loadBalancerOps}/readyz`))) {
    throw new Error(`no ready gateway behind ${url}: run make up`);
  }
  const prefix = `pc-${Date.now().toString(36)}`;
  const connect = async (i: number) => {
    const room = `${prefix}-${i % rooms}`;
    const { token } = await mintDevToken({ secret: devJwtSecret, sub: `${prefix}-u${i}` });
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
    await socket.timeout(30_000).emitWithAck(ClientEvent.RoomJoin, { room });
    return { socket, room };
  };
  const out: { socket: Socket; room: string }[] = [];
  for (let i = 0; i < users; i += 50) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(50, users - i) }, (_, j) => connect(i + j)))),
    );
  }
  return out;
}

type RunResult = {
  rate: number;
  accepted: number;
  refused: number;
  cpu: Sample;
  idle: Sample;
  ackMs: number[];
};

async function runAt(
  rate: number,
  senders: { socket: Socket; room: string }[],
  runSeconds = seconds,
  quiet = false,
): Promise<RunResult> {
  // The same processes doing nothing, just before: their fixed cost per second.
  const idleStart = sample();
  const idleStarted = performance.now();
  await sleep(idleSeconds * 1000);
  const idle = diff(idleStart, sample());
  const idleElapsed = (performance.now() - idleStarted) / 1000;
  const before = await counters();
  const start = sample();
  const benchCpu = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  let accepted = 0;
  let refused = 0;
  const reasons = new Map<string, number>();
  const refuse = (code: string) => {
    refused++;
    reasons.set(code, (reasons.get(code) ?? 0) + 1);
  };
  const ackMs: number[] = [];
  const settled = new Set<Promise<unknown>>();
  // A steady schedule: every millisecond, the sends that are due, round-robin over the users.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(rate * runSeconds, Math.floor(((now - started) / 1000) * rate));
      while (sent < due) {
        const s = senders[sent % senders.length]!;
        const clientMsgId = `m${quiet ? 'w' : ''}${rate}-${sent}`;
        const t0 = performance.now();
        const p = s.socket
          .timeout(30_000)
          .emitWithAck(ClientEvent.MessageSend, {
            room: s.room,
            clientMsgId,
            body: `produce cost ${clientMsgId}`,
          })
          .then(
            (ack: { ok: boolean; error?: { code: string } }) => {
              if (ack.ok) {
                accepted++;
                ackMs.push(performance.now() - t0);
              } else refuse(ack.error?.code ?? 'unknown');
            },
            () => refuse('timeout'),
          );
        settled.add(p);
        p.finally(() => settled.delete(p));
        sent++;
      }
      if (sent >= rate * runSeconds) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(settled);
  // Until the persister has written them (or 15 s), so its cost and PostgreSQL's are counted.
  const deadline = performance.now() + 15_000;
  while ((await counters()).rows - before.rows < accepted && performance.now() < deadline) await sleep(100);
  const cpu = diff(start, sample());
  const ownCpu = process.cpuUsage(benchCpu);
  const elapsed = (performance.now() - started) / 1000;
  const after = await counters();
  const scaledIdle = Object.fromEntries(
    Object.entries(idle).map(([k, v]) => [k, (v / idleElapsed) * elapsed]),
  ) as Sample;
  if (quiet) return { rate, accepted, refused, cpu, idle: scaledIdle, ackMs };
  const sorted = [...ackMs].sort((a, b) => a - b);
  const perMsg = (v: number) => (v / Math.max(accepted, 1)).toFixed(0).padStart(5);
  console.log(
    `\n${rate} msg/s for ${seconds} s: ${accepted} accepted, ${refused} refused${refused ? ` (${[...reasons].map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}; ack p50 ${percentile(sorted, 50).toFixed(1)} ms ` +
      `p99 ${percentile(sorted, 99).toFixed(1)} ms; ${after.requests - before.requests} produce requests ` +
      `(${((after.produced - before.produced) / Math.max(after.requests - before.requests, 1)).toFixed(1)} msgs each), ` +
      `${after.chunks - before.chunks} persister writes (${((after.rows - before.rows) / Math.max(after.chunks - before.chunks, 1)).toFixed(1)} rows each)`,
  );
  console.log(
    `  (this load generator: ${perMsg(ownCpu.user + ownCpu.system).trim()} µs per message; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`,
  );
  console.log('  CPU µs per message   total  above idle   (idle: µs per second)');
  for (const k of Object.keys(cpu) as Group[]) {
    console.log(
      `  ${k.padEnd(18)} ${perMsg(cpu[k])}  ${perMsg(cpu[k] - scaledIdle[k])}        (${(idle[k] / idleElapsed).toFixed(0)})`,
    );
  }
  return { rate, accepted, refused, cpu, idle: scaledIdle, ackMs };
}

console.log(
  `produce cost: ${rooms} rooms x ${usersPerRoom} users (${users} sockets) through ${HOST}:${ports.loadBalancer}, ` +
    `rates ${rates.join(', ')} msg/s, ${seconds} s each after ${idleSeconds} s idle (${warmupSeconds} s warm-up first)`,
);
const maxPerUser = Math.max(...rates) / users;
if (maxPerUser > 10)
  console.log(`  (each user sends ${maxPerUser.toFixed(1)}/s: above RATE_LIMIT_PER_SECOND's default 10)`);
const sockets = await connectAll();
await sleep(1000);
// Every user sends a few first: the first message of a room and a cold JIT cost more, and
// would be charged to the first rate measured.
if (warmupSeconds > 0) await runAt(Math.ceil(users / 2), sockets, warmupSeconds, true);
const results: RunResult[] = [];
for (const rate of rates) results.push(await runAt(rate, sockets));
for (const { socket } of sockets) socket.close();
if (results.length > 1) {
  const [low, high] = [results[0]!, results.at(-1)!];
  const per = (r: RunResult, k: Group) => r.cpu[k] / Math.max(r.accepted, 1);
  console.log(`\nper message at ${low.rate} vs ${high.rate} msg/s (same run):`);
  for (const k of Object.keys(low.cpu) as Group[]) {
    console.log(`  ${k.padEnd(18)} ${(per(low, k) / per(high, k)).toFixed(1)}x`);
  }
}
process.exit(0);
