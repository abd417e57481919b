import { parseArgs } from 'node:util';
import { HOST, ports } from '@switchboard/stack';
import { formatNumber, ratio } from './bench-stats.ts';
import { comparisonTable, type RunFigures, type TableParameters } from './comparison-table.ts';
import { runIdleConnections } from './idle-connections.ts';
import { closeAll, connectMembers, sleep } from './load-clients.ts';
import { runManyRooms } from './many-rooms.ts';
import { fanoutLine, runBigRoom, runRawWsRoom } from './one-big-room.ts';
import {
  type SystemUnderTest,
  socketIoReference,
  switchboardBalanced,
  switchboardGateway,
} from './systems.ts';

/**
 * The gateway benchmark: one Switchboard gateway (directly, one node) and the Socket.IO
 * reference (reference-server.ts, its own Redis) under the same load from the same generator,
 * interleaved run by run (A, B, A, B), then a table of medians and ratios.
 *   make bench-gateway   (or: node gateway/bench/fanout.ts --scenario cpu-per-message,max-rate --seconds 5)
 * Scenarios:
 *   cpu-per-message  200 rooms x 5, every member sending, 500 msg/s: CPU per accepted message,
 *                    of the node and of every server process
 *   max-rate         the same rooms, rates stepped up: the highest with p99 < 100 ms
 *   big-room         1,000 members in one room: connect + join CPU per member, time to fill,
 *                    CPU per delivery next to a raw ws relay of equal frames (after one
 *                    unmeasured fill of each system)
 *   idle-memory      RSS and V8 heap kept (after a full collection) per idle connection, 2,000 connections,
 *                    then the RSS each of 2,000 more adds, and the node's CPU holding all of them
 *   lb-fanout        (not in the default set) the stack through its load balancer, 200
 *                    receivers + 20 senders in one room, vs the raw ws relay
 * Options: --scenario a,b|all, --systems switchboard,reference, --rounds (2), --seconds (6, each
 * measured stretch), --step-seconds (3, each rate step), --rate, --steps, --p99-limit, --rooms,
 * --room-size, --big-room, --big-room-senders, --big-room-rate (msg/s in all), --idle; lb-fanout:
 * --receivers, --senders, --sender-rate. Per-run lines come first, the table last.
 */
const SCENARIOS = ['cpu-per-message', 'max-rate', 'big-room', 'idle-memory', 'lb-fanout'] as const;
type Scenario = (typeof SCENARIOS)[number];
const DEFAULT_SCENARIOS: Scenario[] = ['cpu-per-message', 'max-rate', 'big-room', 'idle-memory'];

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: DEFAULT_SCENARIOS.join(',') },
    systems: { type: 'string', default: 'switchboard,reference' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '6' },
    'step-seconds': { type: 'string', default: '3' },
    rooms: { type: 'string', default: '200' },
    'room-size': { type: 'string', default: '5' },
    rate: { type: 'string', default: '500' },
    steps: { type: 'string', default: '500,1000,2000,3000,5000' },
    'p99-limit': { type: 'string', default: '100' },
    'big-room': { type: 'string', default: '1000' },
    'big-room-senders': { type: 'string', default: '20' },
    'big-room-rate': { type: 'string', default: '10' },
    idle: { type: 'string', default: '2000' },
    receivers: { type: 'string', default: '200' },
    senders: { type: 'string', default: '20' },
    'sender-rate': { type: 'string', default: '5' },
  },
});

function positive(name: keyof typeof values): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const scenarios = (values.scenario === 'all' ? SCENARIOS.join(',') : values.scenario!).split(',').map((s) => {
  if (!SCENARIOS.includes(s as Scenario))
    throw new Error(`unknown scenario "${s}"; known: ${SCENARIOS.join(', ')}, all`);
  return s as Scenario;
});
const systemNames = values.systems!.split(',');
for (const name of systemNames) {
  if (name !== 'switchboard' && name !== 'reference')
    throw new Error(`unknown system "${name}"; known: switchboard, reference`);
}
const rounds = positive('rounds');
const seconds = positive('seconds');
const params: TableParameters = {
  rooms: positive('rooms'),
  roomSize: positive('room-size'),
  rate: positive('rate'),
  p99LimitMs: positive('p99-limit'),
  bigRoom: positive('big-room'),
  idle: positive('idle'),
};
const steps = values.steps!.split(',').map(Number);
if (steps.some((r, i) => !(r > 0) || (i > 0 && r <= steps[i - 1]!)))
  throw new Error('--steps must be ascending positive rates, e.g. 500,1000,2000');
let runCounter = 0;
const runTag = () => `b${Date.now().toString(36)}${runCounter++}`;
const log = (line: string) => console.log(line);

const compared = scenarios.filter((s) => s !== 'lb-fanout');
const systems: SystemUnderTest[] = [];
const figures = new Map<string, RunFigures[]>();
try {
  if (compared.length > 0) {
    if (systemNames.includes('switchboard')) systems.push(await switchboardGateway());
    if (systemNames.includes('reference')) systems.push(await socketIoReference());
    for (const system of systems) figures.set(system.name, []);
    log(
      `comparing ${systems.map((s) => `${s.name} (${s.url})`).join(' and ')}: one node each, same load generator, ` +
        `${rounds} interleaved round(s) per scenario`,
    );
  }
  // Each round fills one RunFigures per system; scenarios add their fields to it.
  const roundFigures = (system: SystemUnderTest, round: number): RunFigures => {
    const runs = figures.get(system.name)!;
    runs[round] ??= {};
    return runs[round];
  };
  const manyRooms = compared.filter((s) => s === 'cpu-per-message' || s === 'max-rate');
  if (manyRooms.length > 0) {
    log(
      `\n[${manyRooms.join(' + ')}] ${params.rooms} rooms x ${params.roomSize} members, every member sending in turn`,
    );
    for (let round = 0; round < rounds; round++) {
      for (const system of systems) {
        log(`${system.name}, round ${round + 1}/${rounds}`);
        const result = await runManyRooms(
          system,
          {
            rooms: params.rooms,
            roomSize: params.roomSize,
            rate: params.rate,
            seconds,
            steps: manyRooms.includes('max-rate') ? steps : [],
            stepSeconds: positive('step-seconds'),
            p99LimitMs: params.p99LimitMs,
            cpu: manyRooms.includes('cpu-per-message'),
            tag: runTag(),
          },
          log,
        );
        const f = roundFigures(system, round);
        f.nodeCpuPerMessage = result.cpu?.node;
        f.allCpuPerMessage = result.cpu?.all;
        f.maxRate = result.verdict;
        if (result.verdict)
          log(
            `  highest rate held: ${result.verdict.atLeast ? '>= ' : ''}${formatNumber(result.verdict.rate)} msg/s` +
              (result.verdict.generatorBound ? ' (the load generator could not send the next step)' : ''),
          );
      }
    }
  }
  if (compared.includes('big-room')) {
    const options = {
      members: params.bigRoom,
      senders: Math.min(positive('big-room-senders'), params.bigRoom),
      rate: positive('big-room-rate'),
      seconds,
    };
    log(
      `\n[big-room] ${params.bigRoom} members in one room, ${options.senders} of them sending ${options.rate} msg/s ` +
        `in all for ${seconds} s; a raw ws relay of equal frames each round`,
    );
    // One unmeasured fill each first: a node's first big fill also pays for compiling its join
    // path and growing its heap, which the rounds after it do not (here it took up to 1.8x as long).
    for (const system of systems) {
      const warmRoom = `${runTag()}-warm`;
      const warm = await connectMembers(
        system,
        Array.from({ length: options.members }, (_, i) => ({ user: `bench-w${i}`, room: warmRoom })),
      );
      closeAll(warm.clients);
      log(
        `${system.name}: warm-up fill of ${options.members} in ${(warm.fillMs / 1000).toFixed(2)} s (not counted)`,
      );
    }
    await sleep(2000);
    for (let round = 0; round < rounds; round++) {
      const perDelivery = new Map<SystemUnderTest, number>();
      for (const system of systems) {
        log(`${system.name}, round ${round + 1}/${rounds}`);
        const result = await runBigRoom(system, { ...options, tag: runTag() }, log);
        // `make bench` reads the Switchboard line by this name ("socket.io gateways").
        log(fanoutLine(system.name === 'switchboard' ? 'socket.io gateways' : system.name, result));
        const f = roundFigures(system, round);
        f.joinCpuPerMember = result.join.perMember;
        f.fillSeconds = result.join.fillMs / 1000;
        perDelivery.set(system, result.cpuPerDelivery);
      }
      const raw = await runRawWsRoom({ ...options, tag: runTag() });
      log(fanoutLine('raw ws relay', raw));
      for (const [system, cpu] of perDelivery) {
        const vsRaw = ratio(cpu, raw.cpuPerDelivery);
        roundFigures(system, round).cpuPerDeliveryVsRaw = vsRaw;
        log(`  ${system.name}: node CPU per delivery is ${vsRaw.toFixed(2)}x the raw ws relay`);
      }
    }
  }
  if (compared.includes('idle-memory')) {
    log(
      `\n[idle-memory] ${params.idle} connections, connected only (no room); each node is restarted ` +
        'first, so both start without garbage from earlier scenarios',
    );
    for (let round = 0; round < rounds; round++) {
      for (const [i, system] of systems.entries()) {
        log(`${system.name}, round ${round + 1}/${rounds}`);
        const fresh = await system.restartNode({ heapReport: true });
        systems[i] = fresh;
        const result = await runIdleConnections(fresh, params.idle, log, { heap: true });
        const figures = roundFigures(fresh, round);
        figures.rssPerConnectionKiB = result.perConnection / 1024;
        figures.furtherRssPerConnectionKiB = result.furtherPerConnection / 1024;
        if (result.heapPerConnection !== undefined)
          figures.heapPerConnectionKiB = result.heapPerConnection / 1024;
        figures.idleCpuPerThousand = result.idleCpuPerThousand;
      }
    }
  }
  if (compared.length > 0) {
    log(
      `\nSwitchboard vs the Socket.IO reference: medians of ${rounds} interleaved run(s); ` +
        'ratio = Switchboard / reference; node = the one process the clients talk to',
    );
    log(comparisonTable(params, figures.get('socket.io reference') ?? [], figures.get('switchboard') ?? []));
  }
  if (scenarios.includes('lb-fanout')) await lbFanout();
} finally {
  for (const system of systems) await system.stop();
}
process.exit(0);

/** The earlier benchmark: the whole stack through its load balancer, one room, vs the raw relay. */
async function lbFanout() {
  const receivers = positive('receivers');
  const senders = positive('senders');
  const rate = senders * positive('sender-rate');
  log(
    `\n[lb-fanout] ${receivers} receivers + ${senders} senders in one room, ${rate} msg/s for ${seconds} s, ` +
      `through the load balancer (${HOST}:${ports.loadBalancer}) onto 2 gateways`,
  );
  const system = await switchboardBalanced();
  const options = { members: receivers + senders, senders, rate, seconds };
  const gateways = await runBigRoom(system, { ...options, tag: runTag() }, log);
  const gatewayCost = gateways.cpuPerDelivery;
  log(fanoutLine('socket.io gateways', gateways));
  const raw = await runRawWsRoom({ ...options, tag: runTag() });
  log(fanoutLine('raw ws relay', raw));
  log(
    `gateway CPU per delivered message is ${(gatewayCost / raw.cpuPerDelivery).toFixed(1)}x the raw ws relay ` +
      `(gateway cost includes auth, validation, rate limit, dedup, Kafka produce, Redis stream fan-out)`,
  );
}
