import type { JoinAck } from '@switchboard/protocol';

/**
 * Who is online in a room, as the room header says it. A big room's join ack names only some
 * of the users online (`partial`, DESIGN §3): the others are counted, not named, until presence
 * events name those who come and go.
 */

/** Users online at the join whom the ack did not name. */
export function unnamedAtJoin(ack: Pick<JoinAck, 'presence' | 'onlineCount' | 'partial'>): number {
  return ack.partial ? Math.max(0, (ack.onlineCount ?? 0) - ack.presence.length) : 0;
}

/** "Online (3): ann, bob, cid", or with unnamed users "Online (1,002): ann, bob and 1,000 more". */
export function describeOnline(named: Iterable<string>, unnamed: number): string {
  const names = [...named].sort();
  const total = (names.length + unnamed).toLocaleString('en');
  if (unnamed > 0) return `Online (${total}): ${names.join(', ')} and ${unnamed.toLocaleString('en')} more`;
  return `Online (${total}): ${names.join(', ') || 'nobody yet'}`;
}
