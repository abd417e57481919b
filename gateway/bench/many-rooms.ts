import {
  formatNumber,
  highestHeldRate,
  type RateStep,
  type RateVerdict,
  ratio,
  stepFailure,
  summarizeLatencies,
} from './bench-stats.ts';
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
import { cpuMeter, selfCpuMeter } from './process-stats.ts';
import type { SystemUnderTest } from './systems.ts';

/**
 * Many small rooms (200 x 5 by default), every member a sender: the server's CPU per accepted
 * message at a fixed rate, and the highest rate one node sustains with p99 under a limit.
 * Both run on one set of connections.
 */
export type ManyRoomsOptions = {
  rooms: number;
  roomSize: number;
  /** The fixed rate of the CPU figure, msg/s. */
  rate: number;
  seconds: number;
  /** Rates of the search, ascending; empty skips it. */
  steps: number[];
  stepSeconds: number;
  p99LimitMs: number;
  /** Measure the CPU figure (else only the rate search runs). */
  cpu: boolean;
  tag: string;
};

export type CpuPerMessage = {
  accepted: number;
  /** µs per accepted message: the node(s) the clients use, and every server process. */
  node: number;
  all: number;
  byProcess: Map<string, number>;
  sentRate: number;
  p99: number;
};

export type ManyRoomsResult = { cpu?: CpuPerMessage; steps: RateStep[]; verdict?: RateVerdict };

function members(options: ManyRoomsOptions): Member[] {
  // Ordered member by member across rooms, so consecutive sends go to different rooms.
  const list: Member[] = [];
  for (let m = 0; m < options.roomSize; m++) {
    for (let r = 0; r < options.rooms; r++) {
      list.push({ user: `bench-u${r * options.roomSize + m}`, room: `${options.tag}-r${r}` });
    }
  }
  return list;
}

export async function runManyRooms(
  system: SystemUnderTest,
  options: ManyRoomsOptions,
  log: (line: string) => void,
): Promise<ManyRoomsResult> {
  const { clients } = await connectMembers(system, members(options));
  let current: Traffic | undefined;
  countDeliveries(clients, () => current);
  const roomSize = () => options.roomSize;
  const stretch = async (rate: number, seconds: number, label: string) => {
    current = newTraffic();
    await sendAtRate(
      { senders: clients, rate, seconds, roomSize, idPrefix: `${options.tag}-${label}` },
      current,
    );
    return current;
  };
  const result: ManyRoomsResult = { steps: [] };
  try {
    await sleep(500);
    // Unmeasured warm-up: a fresh process (the reference) gets its JIT warm like the stack's.
    await stretch(options.rate, Math.min(2, options.seconds), 'warm');
    if (options.cpu) result.cpu = await measureCpu(system, options, stretch, log);
    if (options.steps.length > 0) {
      for (const rate of options.steps) {
        const step = await measureStep(system, clients, rate, options, stretch, log);
        result.steps.push(step);
        if (stepFailure(step, options.p99LimitMs)) break;
      }
      result.verdict = highestHeldRate(result.steps, options.p99LimitMs);
    }
  } finally {
    current = undefined;
    closeAll(clients);
  }
  return result;
}

type Stretch = (rate: number, seconds: number, label: string) => Promise<Traffic>;

async function measureCpu(
  system: SystemUnderTest,
  options: ManyRoomsOptions,
  stretch: Stretch,
  log: (line: string) => void,
): Promise<CpuPerMessage> {
  const meter = cpuMeter(system.all);
  const generator = selfCpuMeter();
  const traffic = await stretch(options.rate, options.seconds, 'cpu');
  const cpu = meter();
  const generatorCpu = generator();
  const perMessage = (micros: number) => ratio(micros, traffic.accepted);
  const byProcess = new Map([...cpu].map(([name, micros]) => [name, perMessage(micros)]));
  const node = system.nodes.reduce((sum, p) => sum + (cpu.get(p.name) ?? 0), 0);
  const all = [...cpu.values()].reduce((a, b) => a + b, 0);
  const latency = summarizeLatencies(traffic.latencies);
  const result = {
    accepted: traffic.accepted,
    node: perMessage(node),
    all: perMessage(all),
    byProcess,
    sentRate: traffic.sent / traffic.sendSeconds,
    p99: latency.p99,
  };
  log(
    `  ${options.rooms} rooms x ${options.roomSize} at ${options.rate} msg/s: ${traffic.accepted} accepted ` +
      `(${traffic.refused} refused${refusalNote(traffic)}), ${traffic.delivered}/${traffic.expected} delivered, p50 ${latency.p50.toFixed(1)} ms ` +
      `p99 ${latency.p99.toFixed(1)} ms; CPU per accepted message: node ${formatNumber(result.node)} µs, ` +
      `all ${formatNumber(result.all)} µs (${[...byProcess].map(([n, v]) => `${n} ${formatNumber(v)}`).join(', ')}); ` +
      `load generator ${formatNumber(ratio(generatorCpu, traffic.sent))} µs per message`,
  );
  return result;
}

async function measureStep(
  system: SystemUnderTest,
  clients: Client[],
  rate: number,
  options: ManyRoomsOptions,
  stretch: Stretch,
  log: (line: string) => void,
): Promise<RateStep> {
  const meter = cpuMeter(system.nodes);
  const generator = selfCpuMeter();
  const traffic = await stretch(rate, options.stepSeconds, `s${rate}`);
  const generatorCpu = generator();
  const nodeCpu = [...meter().values()].reduce((a, b) => a + b, 0);
  const latency = summarizeLatencies(traffic.latencies);
  const step: RateStep = {
    rate,
    sentRate: traffic.sent / traffic.sendSeconds,
    accepted: traffic.accepted,
    refused: traffic.sent - traffic.accepted,
    expected: traffic.sent * options.roomSize,
    delivered: traffic.delivered,
    p99: latency.p99,
  };
  const failure = stepFailure(step, options.p99LimitMs);
  log(
    `  step ${rate} msg/s (${clients.length} senders): sent ${step.sentRate.toFixed(0)}/s, ${step.accepted} accepted${refusalNote(traffic)}, ` +
      `${step.delivered}/${step.expected} delivered, p50 ${latency.p50.toFixed(1)} ms p99 ${latency.p99.toFixed(1)} ms, ` +
      `node CPU ${(nodeCpu / 1e4 / traffic.seconds).toFixed(0)}% of a core, load generator ` +
      `${(generatorCpu / 1e4 / traffic.seconds).toFixed(0)}% (${formatNumber(ratio(generatorCpu, traffic.sent))} µs ` +
      `per message): ${failure ? `missed (${failure})` : 'held'}`,
  );
  return step;
}
