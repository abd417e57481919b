import type { ChatMessage } from '@switchboard/protocol';
import { HOST } from '@switchboard/stack';
import WebSocket from 'ws';
import { formatNumber, type LatencySummary, ratio, summarizeLatencies } from './bench-stats.ts';
import {
  closeAll,
  connectMembers,
  countDeliveries,
  newTraffic,
  refusalNote,
  sendAtRate,
  sleep,
  type Traffic,
} from './load-clients.ts';
import { cpuMeter, serverProcess } from './process-stats.ts';
import { type SystemUnderTest, spawnListeningChild } from './systems.ts';

/**
 * One room with many members: what filling it costs (connect + join per member, time to fill)
 * and the node's CPU per delivery, next to a raw `ws` relay of equal frames (the least a
 * broadcast can cost). The load balancer run of the stack uses it too.
 */
export type BigRoomOptions = {
  members: number;
  /** The last `senders` members send, in turn. */
  senders: number;
  /** msg/s, all senders together. */
  rate: number;
  seconds: number;
  tag: string;
};

export type Fanout = {
  sent: number;
  accepted: number;
  refused: number;
  deliveries: number;
  seconds: number;
  latency: LatencySummary;
  /** Node CPU µs per delivery and per accepted send. */
  cpuPerDelivery: number;
  cpuPerSend: number;
};

export type BigRoomResult = Fanout & {
  join: { perMember: number; fillMs: number; latency: LatencySummary };
  decisions?: { hit: number; miss: number };
};

function fanout(traffic: Traffic, nodeCpu: number): Fanout {
  return {
    sent: traffic.sent,
    accepted: traffic.accepted,
    refused: traffic.refused,
    deliveries: traffic.delivered,
    seconds: traffic.seconds,
    latency: summarizeLatencies(traffic.latencies),
    cpuPerDelivery: ratio(nodeCpu, traffic.delivered),
    cpuPerSend: ratio(nodeCpu, traffic.accepted),
  };
}

const sumCpu = (cpu: Map<string, number>) => [...cpu.values()].reduce((a, b) => a + b, 0);

export async function runBigRoom(
  system: SystemUnderTest,
  options: BigRoomOptions,
  log: (line: string) => void,
): Promise<BigRoomResult> {
  const room = `${options.tag}-big`;
  const members = Array.from({ length: options.members }, (_, i) => ({ user: `bench-m${i}`, room }));
  const joinMeter = cpuMeter(system.nodes);
  const { clients, joinLatencies, fillMs } = await connectMembers(system, members);
  const join = {
    perMember: ratio(sumCpu(joinMeter()), clients.length),
    fillMs,
    latency: summarizeLatencies(joinLatencies),
  };
  log(
    `  joins (connect + room:join): ${clients.length} into one room in ${(fillMs / 1000).toFixed(2)} s, ` +
      `node CPU ${formatNumber(join.perMember)} µs per member, join ack p50 ${join.latency.p50.toFixed(1)} ms ` +
      `p95 ${join.latency.p95.toFixed(1)} ms`,
  );
  let current: Traffic | undefined;
  countDeliveries(clients, () => current);
  try {
    await sleep(1000);
    const before = await system.roomDecisions?.();
    const meter = cpuMeter(system.nodes);
    current = newTraffic();
    await sendAtRate(
      {
        senders: clients.slice(-options.senders),
        rate: options.rate,
        seconds: options.seconds,
        roomSize: () => clients.length,
        idPrefix: `${options.tag}-big`,
      },
      current,
    );
    const result: BigRoomResult = { ...fanout(current, sumCpu(meter())), join };
    const after = await system.roomDecisions?.();
    if (before && after) result.decisions = { hit: after.hit - before.hit, miss: after.miss - before.miss };
    log(
      `  sends: ${result.accepted} accepted (${result.refused} refused${refusalNote(current)}), node CPU ${formatNumber(result.cpuPerSend)} µs ` +
        `per send (its fan-out included)` +
        (result.decisions
          ? `; room decisions during the sends: ${result.decisions.hit} from the pod cache, ` +
            `${result.decisions.miss} from PostgreSQL`
          : ''),
    );
    return result;
  } finally {
    current = undefined;
    closeAll(clients);
  }
}

/** The same room, senders, rate and frames on a bare `ws` relay (raw-ws-broadcast.ts). */
export async function runRawWsRoom(options: BigRoomOptions): Promise<Fanout> {
  const { child, port } = await spawnListeningChild(['gateway/bench/raw-ws-broadcast.ts', '0']);
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < options.members; i++) {
      const ws = new WebSocket(`ws://${HOST}:${port}`, { perMessageDeflate: false });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      sockets.push(ws);
    }
    const traffic = newTraffic();
    for (const ws of sockets) {
      ws.on('message', (data) => {
        // The same client work as Socket.IO: parse the packet, read the message.
        const [, message] = JSON.parse(data.toString().slice(2)) as [string, ChatMessage];
        const sentAt = traffic.sentAt.get(message.clientMsgId);
        if (sentAt === undefined) return;
        traffic.delivered++;
        traffic.latencies.push(performance.now() - sentAt);
      });
    }
    await sleep(1000);
    const senders = sockets.slice(-options.senders);
    const meter = cpuMeter([serverProcess('raw ws relay', child.pid!)]);
    // The relay has no acks: a frame is accepted once written. Equal frames: what a gateway
    // writes for one message, `42["message",{...},"<offset>"]`.
    const started = performance.now();
    let turn = 0;
    while (performance.now() - started < options.seconds * 1000) {
      const due = Math.floor((options.rate * (performance.now() - started)) / 1000);
      while (traffic.sent < due) {
        const s = turn++ % senders.length;
        const clientMsgId = `${options.tag}-raw-${traffic.sent}`;
        const message: ChatMessage = {
          id: '01a2021d-0c6c-7099-ae7f-f114a04c6296',
          room: `${options.tag}-big`,
          sender: `bench-m${options.members - options.senders + s}`,
          body: `bench message ${clientMsgId}`,
          ts: Date.now(),
          clientMsgId,
        };
        traffic.sentAt.set(clientMsgId, performance.now());
        traffic.sent++;
        traffic.accepted++;
        traffic.expected += sockets.length;
        senders[s]!.send(`42${JSON.stringify(['message', message, '1795331787904-0'])}`);
      }
      await sleep(2);
    }
    traffic.sendSeconds = (performance.now() - started) / 1000;
    const deadline = performance.now() + 10_000;
    while (traffic.delivered < traffic.expected && performance.now() < deadline) await sleep(20);
    traffic.seconds = (performance.now() - started) / 1000;
    return fanout(traffic, sumCpu(meter()));
  } finally {
    for (const ws of sockets) ws.close();
    child.kill('SIGTERM');
  }
}

/** One line per run, in the format `make bench` reads (`<name> ... server CPU <x> µs/delivery`). */
export function fanoutLine(name: string, r: Fanout): string {
  return (
    `${name.padEnd(22)} sent ${String(r.sent).padStart(6)}  deliveries ${String(r.deliveries).padStart(8)}  ` +
    `${(r.deliveries / r.seconds).toFixed(0).padStart(7)} deliveries/s  ` +
    `latency p50 ${r.latency.p50.toFixed(1)} ms  p95 ${r.latency.p95.toFixed(1)} ms  ` +
    `p99 ${r.latency.p99.toFixed(1)} ms  server CPU ${r.cpuPerDelivery.toFixed(2)} µs/delivery`
  );
}
