/**
 * What a fan-out publisher puts on the wire, so that every receiver can tell who sent a
 * message, its sequence number and when it was sent, and recognise the publisher's final
 * tally. The clientMsgId names the message (publisher + sequence), which makes a duplicate
 * delivery and a missing sequence visible by id alone. Pure: runs in k6 and in Node.
 */
import { CLIENT_MSG_ID_PATTERN, Limits } from '../../protocol/src/limits.ts';

const SEPARATOR = '_';
const END = 'end';

export type MessageName = { runId: string; publisher: number; seq: number | 'end' };

/** `<runId>_<publisher>_<seq>`, or `<runId>_<publisher>_end` for the tally. */
export function clientMsgIdFor(runId: string, publisher: number, seq: number | 'end'): string {
  const id = [runId, publisher, seq === 'end' ? END : seq].join(SEPARATOR);
  if (id.length > Limits.clientMsgIdMaxLength || !CLIENT_MSG_ID_PATTERN.test(id)) {
    throw new Error(`run id "${runId}" makes an invalid clientMsgId "${id}"`);
  }
  return id;
}

export function parseClientMsgId(clientMsgId: string): MessageName | undefined {
  const last = clientMsgId.lastIndexOf(SEPARATOR);
  const middle = clientMsgId.lastIndexOf(SEPARATOR, last - 1);
  if (middle <= 0) return undefined;
  const publisher = Number(clientMsgId.slice(middle + 1, last));
  const seqText = clientMsgId.slice(last + 1);
  const seq = seqText === END ? END : Number(seqText);
  if (!Number.isInteger(publisher) || (seq !== END && !Number.isInteger(seq))) return undefined;
  return { runId: clientMsgId.slice(0, middle), publisher, seq };
}

/** A message body: the send time (the publisher's clock) padded to `bytes` UTF-8 bytes. */
export function messageBody(sentAt: number, bytes: number): string {
  const bare = JSON.stringify({ sentAt, pad: '' });
  return JSON.stringify({ sentAt, pad: 'x'.repeat(Math.max(0, bytes - bare.length)) });
}

export function sentAtOf(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { sentAt?: unknown };
    return typeof parsed.sentAt === 'number' ? parsed.sentAt : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The publisher's last message: how many sequence numbers it used and which of them were
 * never acknowledged (as inclusive ranges), so receivers know exactly what they must have.
 */
export type Tally = {
  sent: number;
  unacked: Array<[number, number]>;
  /** Whether every member had joined when publishing began (then no receiver was late). */
  roomFull?: boolean;
};

export function tallyBody(tally: Tally): string {
  return JSON.stringify({ tally });
}

export function tallyOf(body: string): Tally | undefined {
  try {
    const parsed = JSON.parse(body) as { tally?: Tally };
    return parsed.tally && typeof parsed.tally.sent === 'number' ? parsed.tally : undefined;
  } catch {
    return undefined;
  }
}

/** Sorted, distinct numbers as inclusive ranges: [1,2,3,7] -> [[1,3],[7,7]]. */
export function toRanges(sortedSeqs: number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const seq of sortedSeqs) {
    const last = ranges[ranges.length - 1];
    if (last && seq === last[1] + 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
}
