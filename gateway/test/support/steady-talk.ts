import assert from 'node:assert/strict';
import { ClientEvent } from '@switchboard/protocol';
import type { Socket } from 'socket.io-client';
import { type Reply, request } from './clients.ts';

/**
 * One sender talking in a room, one message after another, until `stop()`: `acked` holds the
 * ids in ack order, and `ackedAfter(flag)` those sent once `flag()` was true. A RATE_LIMITED
 * answer waits as told and sends again (the sender's budget is not what such tests are about).
 */
export function steadyTalk(sender: Socket, room: string, prefix: string) {
  const acked: string[] = [];
  const sentAfterMark: string[] = [];
  let marked = false;
  let stopped = false;
  const flow = (async () => {
    for (let i = 0; !stopped; i++) {
      const afterMark = marked;
      let ack: Reply;
      for (;;) {
        ack = await request(sender, ClientEvent.MessageSend, {
          room,
          clientMsgId: `${prefix}${i}`,
          body: `${prefix}${i}`,
        });
        if (ack.ok || ack.error.code !== 'RATE_LIMITED') break;
        await new Promise((r) => setTimeout(r, ack.error.retryAfterMs));
      }
      assert.equal(ack.ok, true, JSON.stringify(ack));
      acked.push(ack.id);
      if (afterMark) sentAfterMark.push(ack.id);
    }
  })();
  return {
    acked,
    /** Ids of messages whose send started after `mark()`. */
    sentAfterMark,
    mark() {
      marked = true;
    },
    async stop() {
      stopped = true;
      await flow;
    },
  };
}
