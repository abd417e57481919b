/**
 * Which rooms a scenario uses, who owns each and who its members are (as indexes into the
 * run's tokens file, entry i = connection i), so the scripts can create them through the rooms
 * API before the load (DESIGN §3a) and the load then pays for authorization like production
 * does. Pure: runs in k6 and in Node.
 */
import type { ConnectParams, FanoutParams } from './scenario-params.ts';

export type RoomPlan = {
  room: string;
  /** The token that creates the room (its owner) and adds the members. */
  owner: number;
  /** Every other token that joins it. */
  members: number[];
};

export function fanoutRoomName(runId: string, index: number): string {
  return `${runId}-room-${index}`;
}

export function connectRoomName(runId: string, index: number): string {
  return `${runId}-c-${index}`;
}

export function historyRoomName(runId: string): string {
  return `${runId}-history`;
}

/**
 * fanout and soak: receivers 0..R*M-1 (room r holds r*M..r*M+M-1), then publishers (room r
 * holds R*M + r*P..+P-1). A room's first publisher owns it.
 */
export function fanoutRoomPlan(
  p: Pick<FanoutParams, 'rooms' | 'members' | 'publishers'>,
  runId: string,
): RoomPlan[] {
  const plans: RoomPlan[] = [];
  for (let r = 0; r < p.rooms; r++) {
    const publishers = range(p.rooms * p.members + r * p.publishers, p.publishers);
    const receivers = range(r * p.members, p.members);
    const [owner, ...others] = publishers.length > 0 ? publishers : receivers;
    const members = [...(publishers.length > 0 ? receivers : []), ...others];
    plans.push({ room: fanoutRoomName(runId, r), owner: owner!, members });
  }
  return plans.filter((plan) => plan.owner !== undefined);
}

/** connect: connection i uses room i mod R; the lowest such connection owns it. */
export function connectRoomPlan(
  p: Pick<ConnectParams, 'rooms' | 'maxConnections'>,
  runId: string,
): RoomPlan[] {
  const plans: RoomPlan[] = [];
  for (let r = 0; r < Math.min(p.rooms, p.maxConnections); r++) {
    const members: number[] = [];
    for (let i = r + p.rooms; i < p.maxConnections; i += p.rooms) members.push(i);
    plans.push({ room: connectRoomName(runId, r), owner: r, members });
  }
  return plans;
}

/** history: one room; token 0 seeds and owns it, every token reads it. */
export function historyRoomPlan(tokens: number, runId: string): RoomPlan[] {
  return [{ room: historyRoomName(runId), owner: 0, members: range(1, Math.max(0, tokens - 1)) }];
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
