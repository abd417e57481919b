import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { io, type Socket } from 'socket.io-client';
import type { SystemUnderTest } from './systems.ts';

/**
 * The load generator, the same for every system: socket.io-client sockets in this process, one
 * per member (members are distinct users, so per-user limits see a realistic spread), sends
 * spread evenly over time and over the senders, send-to-receipt latency for every delivery.
 */

export type Member = { user: string; room: string };
export type Client = Member & { socket: Socket };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over `items` with at most `concurrency` at a time, results in order. */
async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** The error body of a refused handshake or join (`retryable`, `retryAfterMs`). */
type Refusal = { retryable?: boolean; retryAfterMs?: number };
type JoinAnswer = { ok?: boolean; error?: Refusal };

/** Connects as a client would: a retryable refusal is tried again after its delay. */
async function openSocket(system: SystemUnderTest, member: Member, auth: object): Promise<Socket> {
  for (let attempt = 1; ; attempt++) {
    const socket = io(system.url, {
      auth,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const refusal = await new Promise<(Refusal & { message?: string }) | undefined>((resolve) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('connect_error', (err: Error & { data?: Refusal }) =>
        resolve({ message: err.message, ...err.data }),
      );
    });
    if (refusal === undefined) return socket;
    socket.close();
    if (!refusal.retryable || attempt >= 10)
      throw new Error(`${member.user} could not connect: ${JSON.stringify(refusal)}`);
    await sleep(refusal.retryAfterMs ?? 500);
  }
}

/** Joins as a client would: a retryable refusal (a busy machine's timeouts) is tried again after its delay. */
async function joinWithRetries(socket: Socket, member: Member) {
  for (let attempt = 1; ; attempt++) {
    const ack: JoinAnswer = await socket
      .timeout(30_000)
      .emitWithAck(ClientEvent.RoomJoin, { room: member.room });
    if (ack?.ok) return;
    if (!ack?.error?.retryable || attempt >= 10)
      throw new Error(`${member.user} could not join ${member.room}: ${JSON.stringify(ack)}`);
    await sleep(ack.error.retryAfterMs ?? 500);
  }
}

export type Connected = { clients: Client[]; joinLatencies: number[]; fillMs: number };

/** Connects every member (and joins its room unless `join` is false), `concurrency` at a time. */
export async function connectMembers(
  system: SystemUnderTest,
  members: readonly Member[],
  options: { join?: boolean; concurrency?: number } = {},
): Promise<Connected> {
  const joinLatencies: number[] = [];
  // Credentials first: a client comes with the token its identity provider gave it, so minting
  // one is not part of the connect being timed (nor of the load generator's CPU meanwhile).
  const auths = new Map(
    await mapConcurrent(
      members,
      50,
      async (member) => [member.user, await system.auth(member.user)] as const,
    ),
  );
  const started = performance.now();
  const connectOne = async (member: Member): Promise<Client> => {
    const socket = await openSocket(system, member, auths.get(member.user) ?? {});
    if (options.join !== false) {
      const joinStarted = performance.now();
      await joinWithRetries(socket, member);
      joinLatencies.push(performance.now() - joinStarted);
    }
    return { ...member, socket };
  };
  const clients = await mapConcurrent(members, options.concurrency ?? 50, connectOne);
  return { clients, joinLatencies, fillMs: performance.now() - started };
}

export function closeAll(clients: readonly Client[]) {
  for (const client of clients) client.socket.close();
}

/** What one measured stretch of sends produced. */
export type Traffic = {
  sentAt: Map<string, number>;
  sent: number;
  accepted: number;
  refused: number;
  /** Refusals by error code (`timeout`: no ack in time). */
  refusals: Record<string, number>;
  /** Deliveries the accepted sends owe (accepted x members of their room). */
  expected: number;
  delivered: number;
  latencies: number[];
  /** Seconds from the first send to the last (the send phase). */
  sendSeconds: number;
  /** Seconds from the first send until everything was delivered or the drain gave up. */
  seconds: number;
};

export function newTraffic(): Traffic {
  return {
    sentAt: new Map(),
    sent: 0,
    accepted: 0,
    refused: 0,
    refusals: {},
    expected: 0,
    delivered: 0,
    latencies: [],
    sendSeconds: 0,
    seconds: 0,
  };
}

/** Counts each client's `message` events into whichever Traffic is current (sends of other stretches are ignored). */
export function countDeliveries(clients: readonly Client[], current: () => Traffic | undefined) {
  for (const client of clients) {
    client.socket.on(ServerEvent.Message, (message: ChatMessage) => {
      const traffic = current();
      const sentAt = traffic?.sentAt.get(message.clientMsgId);
      if (traffic === undefined || sentAt === undefined) return;
      traffic.delivered++;
      traffic.latencies.push(performance.now() - sentAt);
    });
  }
}

export type SendPlan = {
  /** Who sends, in turn (round robin keeps each user far below its rate limit). */
  senders: readonly Client[];
  /** Messages per second, all senders together. */
  rate: number;
  seconds: number;
  /** Members of each room: what one accepted send owes in deliveries. */
  roomSize: (room: string) => number;
  /** Unique per stretch, so clientMsgIds never repeat (a repeat would be a dedup hit). */
  idPrefix: string;
  /** Longest wait for acks and deliveries after the last send. */
  drainMs?: number;
};

function refuse(traffic: Traffic, code: string) {
  traffic.refused++;
  traffic.refusals[code] = (traffic.refusals[code] ?? 0) + 1;
}

/** "" or " (UNAVAILABLE 80, timeout 10)": why sends were refused. */
export function refusalNote(traffic: Traffic): string {
  const entries = Object.entries(traffic.refusals);
  return entries.length === 0 ? '' : ` (${entries.map(([code, n]) => `${code} ${n}`).join(', ')})`;
}

/** Sends at `rate` for `seconds`, then waits for the acks and deliveries, into `traffic`. */
export async function sendAtRate(plan: SendPlan, traffic: Traffic): Promise<void> {
  const started = performance.now();
  let turn = 0;
  // A short tick that sends what is due keeps the rate even and survives timer lateness.
  while (performance.now() - started < plan.seconds * 1000) {
    const due = Math.floor((plan.rate * (performance.now() - started)) / 1000);
    while (traffic.sent < due) {
      const sender = plan.senders[turn++ % plan.senders.length]!;
      const clientMsgId = `${plan.idPrefix}-${traffic.sent}`;
      traffic.sentAt.set(clientMsgId, performance.now());
      traffic.sent++;
      sender.socket
        .timeout(15_000)
        .emitWithAck(ClientEvent.MessageSend, {
          room: sender.room,
          clientMsgId,
          body: `bench message ${clientMsgId}`,
        })
        .then(
          (ack: { ok?: boolean; error?: { code?: string } }) => {
            if (ack?.ok) {
              traffic.accepted++;
              traffic.expected += plan.roomSize(sender.room);
            } else refuse(traffic, ack?.error?.code ?? 'unknown');
          },
          () => refuse(traffic, 'timeout'),
        );
    }
    await sleep(2);
  }
  traffic.sendSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + (plan.drainMs ?? 10_000);
  const settled = () =>
    traffic.accepted + traffic.refused >= traffic.sent && traffic.delivered >= traffic.expected;
  while (!settled() && performance.now() < deadline) await sleep(20);
  traffic.seconds = (performance.now() - started) / 1000;
}
