/**
 * Room log entry ids (`<ms>-<seq>`, Redis stream ids): log order within a room, and Redis time
 * across rooms. They are also the connection state recovery offsets of messages, so a
 * reconnecting client names the last thing it saw by one.
 */
const LOG_ID = /^(\d{1,15})-(\d{1,15})$/;

export function parseLogId(id: string): { ms: number; seq: number } | undefined {
  const match = LOG_ID.exec(id);
  return match ? { ms: Number(match[1]), seq: Number(match[2]) } : undefined;
}

/** Negative, zero or positive as `a` is before, at or after `b` (both well-formed). */
export function compareLogIds(a: string, b: string): number {
  const x = parseLogId(a);
  const y = parseLogId(b);
  if (!x || !y) throw new Error(`not a log id: ${x ? b : a}`);
  return x.ms - y.ms || x.seq - y.seq;
}

/** An offset for what carries no log entry (presence): "now", in the same form. */
export const logIdAt = (ms: number) => `${ms}-0`;
