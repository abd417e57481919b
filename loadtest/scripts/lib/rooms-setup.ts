/**
 * Creates a run's rooms through the rooms REST API before the load (DESIGN §3a): each room by
 * its owner's token (POST /v1/rooms), then every member added by the owner
 * (PUT /v1/rooms/:room/members/:user), so joins, sends and history reads under load are
 * authorized against real memberships. Runs in setup(); any refusal stops the run, naming the
 * call and the gateway's error code.
 */
import http from 'k6/http';
import type { RoomPlan } from '../../src/room-plan.ts';
import type { RoomVisibility } from '../../src/scenario-params.ts';
import type { TokenEntry } from './tokens.ts';

/** PUTs in flight at once per room (http.batch), gentle on a gateway that is also warming up. */
const BATCH = 20;

export type RoomsSetup = {
  target: string;
  tokens: TokenEntry[];
  visibility: RoomVisibility;
};

export function createRooms(setup: RoomsSetup, plans: RoomPlan[]): void {
  const base = setup.target.replace(/\/+$/, '');
  for (const plan of plans) {
    const owner = tokenAt(setup.tokens, plan.owner);
    const headers = {
      Authorization: `Bearer ${owner.token}`,
      'Content-Type': 'application/json',
    };
    const created = http.post(
      `${base}/v1/rooms`,
      JSON.stringify({ room: plan.room, visibility: setup.visibility }),
      { headers, tags: { name: 'rooms-create' } },
    );
    // 409: a rerun with the same SB_RUN_ID; the owner's PUTs below then decide whether it is ours.
    if (created.status !== 201 && created.status !== 409) fail('POST /v1/rooms', plan.room, created);
    for (let from = 0; from < plan.members.length; from += BATCH) {
      const batch = plan.members.slice(from, from + BATCH).map((index) => ({
        method: 'PUT',
        url: `${base}/v1/rooms/${encodeURIComponent(plan.room)}/members/${encodeURIComponent(tokenAt(setup.tokens, index).sub)}`,
        body: JSON.stringify({ role: 'member' }),
        params: { headers, tags: { name: 'rooms-put-member' } },
      }));
      for (const res of http.batch(batch)) {
        if (res.status !== 200 && res.status !== 201)
          fail('PUT /v1/rooms/:room/members/:user', plan.room, res);
      }
    }
  }
}

function tokenAt(tokens: TokenEntry[], index: number): TokenEntry {
  const entry = tokens[index];
  if (!entry) throw new Error(`no token ${index}: the tokens file is shorter than the run needs`);
  return entry;
}

function fail(call: string, room: string, res: http.RefinedResponse<http.ResponseType | undefined>): never {
  let code = `HTTP ${res.status}`;
  try {
    const body = JSON.parse(String(res.body)) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = `${body.error.code}: ${body.error.message ?? ''}`;
  } catch {
    // not JSON: the status says enough
  }
  const hint = res.status === 404 ? ' (does the gateway serve the rooms API?)' : '';
  throw new Error(`room setup: ${call} for room "${room}" failed, ${code}${hint}`);
}
