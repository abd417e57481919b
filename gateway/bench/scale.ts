import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@switchboard/stack';
import { formatNumber, ratio, summarizeLatencies } from './bench-stats.ts';
import {
  type Client,
  closeAll,
  connectMembers,
  countDeliveries,
  type Member,
  newTraffic,
  refusalNote,
  sendAtRate,
  sleep,
  type Traffic,
} from './load-clients.ts';
import { cpuMeter, machineLoad, readMeter, type ServerProcess, selfCpuMeter } from './process-stats.ts';
import {
  idleGatewayVerdict,
  type ScalePoint,
  type Stretch,
  splitGatewayCpu,
  type Usage,
} from './scale-split.ts';
import { scaleTable, verdictLine } from './scale-table.ts';
import { benchGateway, type SystemUnderTest, stackStorage, startBenchRedis } from './systems.ts';

/**
 * Issue 14, "a gateway pays nothing for rooms it has no members in": what a gateway pays for
 * the rooms of other pods, and what Redis pays per message, as gateways are added.
 *   make bench-scale   (or: node gateway/bench/scale.ts --gateways 1,2,4 --rates 100,200,400)
 * The bench starts its own gateways (the code of --gateway-root, this tree by default) on free
 * ports with a Redis of its own, so exactly those gateways share its rooms; Kafka and
 * PostgreSQL are the stack's. Each gateway has its own rooms (--rooms x --room-size members,
 * every member a distinct user connected straight to that gateway). For each gateway count,
 * in ascending order (gateways are added, never removed): a warm-up, the idle baseline of every
 * process, then at each rate a "spread" load (the rate over every gateway's rooms) and, from 2
 * gateways on, a "one idle" load (the same rate over all gateways' rooms but gateway 1's).
 * CPU comes from /proc; scale-split.ts turns it into own rooms / other pods' rooms per gateway.
 * Options: --gateways, --rates (msg/s, all gateways together), --rooms (per gateway),
 * --room-size, --seconds (each measured load), --idle (baseline seconds), --warmup,
 * --target-rate and --target-cores (issue 14's target), --dedup-ttl, --gateway-root.
 * A tree of an earlier commit for --gateway-root, beside this one (read-only git, shared
 * node_modules): git archive <commit> | tar -x -C <dir>; link <dir>/node_modules/@switchboard/<pkg>
 * to ../../<pkg> for each workspace; copy db/src/generated into <dir>/db/src/.
 */
const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '1,2,4' },
    rates: { type: 'string', default: '100,200,400' },
    rooms: { type: 'string', default: '50' },
    'room-size': { type: 'string', default: '5' },
    seconds: { type: 'string', default: '8' },
    idle: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '3' },
    'target-rate': { type: 'string', default: '3000' },
    'target-cores': { type: 'string', default: '0.01' },
    'dedup-ttl': { type: 'string', default: '10' },
    'gateway-root': { type: 'string', default: repoRoot },
  },
});

function positive(name: keyof typeof values): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

function ascending(name: 'gateways' | 'rates'): number[] {
  const list = values[name]!.split(',').map(Number);
  if (list.some((v, i) => !Number.isInteger(v) || v <= 0 || (i > 0 && v <= list[i - 1]!)))
    throw new Error(
      `--${name} must be ascending positive whole numbers, e.g. ${name === 'gateways' ? '1,2,4' : '150,300'}`,
    );
  return list;
}

const counts = ascending('gateways');
const rates = ascending('rates');
const rooms = positive('rooms');
const roomSize = positive('room-size');
const seconds = positive('seconds');
const dedupTtl = positive('dedup-ttl');
const gatewayRoot = path.resolve(values['gateway-root']!);
const tag = `sc${Date.now().toString(36)}`;
const log = (line: string) => console.log(line);
const LAGGING_P50_MS = 100;
const plural = (n: number) => `${n} gateway${n === 1 ? '' : 's'}`;

const gatewayEnv = (redisUrl: string): Record<string, string | undefined> => ({
  REDIS_URL: redisUrl,
  // Not the stack's Redis Cluster (SB_REDIS_CLUSTER=1): the bench's one server only.
  REDIS_CLUSTER_NODES: undefined,
  // The bench's Redis starts empty, and for DEDUP_TTL_SECONDS after that every new message is
  // also checked against PostgreSQL (G3 after Redis lost its data). A short retry window ends
  // that before the first measured load, and expires dedup entries as fast as they are made,
  // as in a Redis that has been up longer than the window.
  DEDUP_TTL_SECONDS: String(dedupTtl),
  // Every member sends in turn: no user may run out of sends at the higher rates (the bucket
  // is still taken, in the same script, so its cost is counted).
  RATE_LIMIT_BURST: '100000',
  RATE_LIMIT_PER_SECOND: '100000',
  LOG_LEVEL: 'warn',
});

type Pod = { system: SystemUnderTest; process: ServerProcess; clients: Client[] };

/** Gateway `g`'s rooms and members, member by member across its rooms (consecutive sends go to different rooms). */
function members(g: number): Member[] {
  const list: Member[] = [];
  for (let m = 0; m < roomSize; m++) {
    for (let r = 0; r < rooms; r++)
      list.push({ user: `${tag}-g${g}-u${r * roomSize + m}`, room: `${tag}-g${g}-r${r}` });
  }
  return list;
}

/** Senders in turn across the gateways, so every loaded gateway gets the same share. */
function interleave(pods: readonly Pod[]): Client[] {
  const out: Client[] = [];
  const longest = Math.max(...pods.map((p) => p.clients.length));
  for (let i = 0; i < longest; i++) {
    for (const pod of pods) if (pod.clients[i]) out.push(pod.clients[i]!);
  }
  return out;
}

let current: Traffic | undefined;

async function startPod(redisUrl: string, g: number): Promise<Pod> {
  const system = await benchGateway(`gateway ${g}`, gatewayEnv(redisUrl), gatewayRoot);
  const { clients, fillMs } = await connectMembers(system, members(g));
  countDeliveries(clients, () => current);
  log(
    `  gateway ${g} (${system.url}): ${clients.length} members in ${rooms} rooms in ${(fillMs / 1000).toFixed(1)} s`,
  );
  return { system, process: system.nodes[0]!, clients };
}

async function send(senders: Client[], rate: number, runSeconds: number, label: string): Promise<Traffic> {
  current = newTraffic();
  await sendAtRate(
    { senders, rate, seconds: runSeconds, roomSize: () => roomSize, idPrefix: `${tag}-${label}` },
    current,
  );
  const traffic = current;
  current = undefined;
  return traffic;
}

/** Per second, each process with everything connected and nothing sent. */
async function idleBaseline(processes: readonly ServerProcess[]): Promise<Usage> {
  const [cpu, read] = [cpuMeter(processes), readMeter(processes)];
  const started = performance.now();
  await sleep(positive('idle') * 1000);
  const wall = (performance.now() - started) / 1000;
  const perSecond = (used: Map<string, number>) => new Map([...used].map(([name, v]) => [name, v / wall]));
  const baseline = { cpu: perSecond(cpu()), read: perSecond(read()) };
  log(
    `  idle baseline, cores: ${[...baseline.cpu].map(([name, v]) => `${name} ${(v / 1e6).toFixed(4)}`).join(', ')}`,
  );
  return baseline;
}

async function measured(
  processes: readonly ServerProcess[],
  baseline: Usage,
  loaded: readonly Pod[],
  rate: number,
  what: string,
  label: string,
): Promise<Stretch> {
  const [meter, reads] = [cpuMeter(processes), readMeter(processes)];
  const generator = selfCpuMeter();
  const started = performance.now();
  const traffic = await send(interleave(loaded), rate, seconds, label);
  const cpu = meter();
  const read = reads();
  const wall = (performance.now() - started) / 1000;
  const latency = summarizeLatencies(traffic.latencies);
  const coresOf = (name: string) => ((cpu.get(name) ?? 0) / 1e6 / wall).toFixed(3);
  // Above idle: at low rates the broker's and the persister's own timers would dominate.
  const perMessage = (name: string) =>
    formatNumber(
      ratio((cpu.get(name) ?? Number.NaN) - (baseline.cpu.get(name) ?? 0) * wall, traffic.accepted),
    );
  const gateways = processes.filter((p) => p.name.startsWith('gateway '));
  const storage = processes.filter((p) => !p.name.startsWith('gateway ') && p.name !== 'redis');
  log(
    `  ${what}, ${rate} msg/s: sent ${(traffic.sent / traffic.sendSeconds).toFixed(0)}/s, ${traffic.accepted} accepted ` +
      `(${traffic.refused} refused${refusalNote(traffic)}), ${traffic.delivered}/${traffic.expected} delivered, ` +
      `p50 ${latency.p50.toFixed(1)} ms p99 ${latency.p99.toFixed(1)} ms; cores: ` +
      `${[...gateways.map((p) => p.name), 'redis'].map((n) => `${n} ${coresOf(n)}`).join(', ')}; ` +
      `µs per accepted message above idle: ${storage.map((p) => `${p.name} ${perMessage(p.name)}`).join(', ')}, ` +
      `load generator ${formatNumber(ratio(generator(), traffic.sent))} (all)` +
      // Few ms when the processes keep up; beyond, each wake-up handled many messages.
      (latency.p50 > LAGGING_P50_MS
        ? `; LAGGING: p50 above ${LAGGING_P50_MS} ms, the processes did not keep up, so their CPU per message reads low`
        : ''),
  );
  return { seconds: wall, accepted: traffic.accepted, cpu, read };
}

function pointLine(p: ScalePoint): string {
  const c = (v: number) => v.toFixed(3);
  return (
    `  -> per gateway: baseline ${c(p.baselineCores)}, own rooms ${c(p.ownRoomsCores)}, other pods' rooms ` +
    `${c(p.otherRoomsCores)} cores; own rooms ${formatNumber(p.ownPerMessage)} µs per message, other pods' rooms ` +
    `${formatNumber(p.otherPerMessage)} µs and ${formatNumber(p.idleGatewayReadPerMessage)} bytes read per message ` +
    `elsewhere; Redis ${formatNumber(p.redisPerMessage)} µs per message`
  );
}

const storage = stackStorage();
const redis = await startBenchRedis('redis');
const redisStarted = performance.now();
const pods: Pod[] = [];
const points: ScalePoint[] = [];
try {
  log(
    `bench-scale: ${counts.map(plural).join(', ')}, ${rooms} rooms x ${roomSize} members each (all on the ` +
      `gateway that owns the room), rates ${rates.join(', ')} msg/s in all, ${seconds} s per load; gateways run ` +
      `${path.relative(repoRoot, gatewayRoot) || 'this tree'} on their own Redis (${redis.url}), the stack's Kafka and PostgreSQL`,
  );
  for (const n of counts) {
    log(`\n[${plural(n)}] machine: ${machineLoad()}`);
    while (pods.length < n) pods.push(await startPod(redis.url, pods.length + 1));
    const active = pods.slice(0, n);
    const processes = [...active.map((p) => p.process), redis.process, ...storage];
    // Every member sends once at least: first messages of a room and a cold JIT cost more.
    const warm = interleave(active);
    const top = rates.at(-1)!;
    await send(warm, top, Math.max(positive('warmup'), warm.length / top), `n${n}-warm`);
    // Until the dedup window since Redis started is over (see DEDUP_TTL_SECONDS above).
    await sleep(Math.max(0, dedupTtl * 1000 + 1000 - (performance.now() - redisStarted)));
    // GC and compiles the warm-up left behind, out of the baseline.
    await sleep(2000);
    const baseline = await idleBaseline(processes);
    for (const rate of rates) {
      const spread = await measured(
        processes,
        baseline,
        active,
        rate,
        `spread over ${plural(n)}`,
        `n${n}-r${rate}-s`,
      );
      const oneIdle =
        n > 1
          ? await measured(processes, baseline, active.slice(1), rate, 'gateway 1 idle', `n${n}-r${rate}-i`)
          : undefined;
      const point = splitGatewayCpu({
        gateways: active.map((p) => p.process.name),
        // The longest-running one: its baseline has settled (a new process compiles and collects for a while).
        idleGateway: active[0]!.process.name,
        redis: redis.process.name,
        baseline,
        rate,
        spread,
        oneIdle,
      });
      points.push(point);
      log(pointLine(point));
    }
  }
  for (const rate of rates) {
    log(
      `\nat ${formatNumber(rate)} msg/s offered in all; cores per gateway (mean), µs per accepted message; ` +
        'growth = value / value at the first count',
    );
    log(scaleTable(points.filter((p) => p.rate === rate)));
  }
  log(`\nmachine at the end: ${machineLoad()}`);
  const verdict = idleGatewayVerdict(points, positive('target-rate'), positive('target-cores'));
  log(`\n${verdict ? verdictLine(verdict) : 'idle gateway: no run had 2 gateways or more (--gateways)'}`);
} finally {
  current = undefined;
  for (const pod of pods) {
    closeAll(pod.clients);
    await pod.system.stop();
  }
  await redis.stop();
}
process.exit(0);
