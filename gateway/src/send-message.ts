import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  type ChatMessage,
  ErrorCode,
  type MessageSend,
  messageIdTime,
  newMessageId,
  type SendAck,
  SwitchboardError,
  unavailable,
  utf8Length,
} from '@switchboard/protocol';
import { backoffDelay, type Logger, sleep } from '@switchboard/service-kit';
import { type MessageProducer, NotSentError } from './kafka-producer.ts';
import type { BucketRef } from './limits/budget.ts';
import type { DedupKey, MessageDedup } from './message-dedup.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { Broadcast } from './sockets/broadcast.ts';

const tracer = trace.getTracer('switchboard-gateway');

/**
 * `sendsBucket`: the sender's send budget (socket sends; the server API has none). Its token is
 * taken by the dedup claim's script, so a send costs one Redis round trip before Kafka.
 */
export type SendMessage = (sender: string, input: MessageSend, sendsBucket?: BucketRef) => Promise<SendAck>;

/**
 * The path of one message (G1, G3): take a token and claim the clientMsgId (a retry carries the
 * same body; another body is CONFLICT) in one round trip, produce to Kafka, and only once Kafka
 * has acknowledged it broadcast it to the room and answer the sender.
 */
export function createSendMessage(deps: {
  producer: MessageProducer;
  dedup: MessageDedup;
  broadcast: Broadcast;
  /** The stored message of a clientMsgId, if any (PostgreSQL), for when Redis cannot say. */
  recall: (key: DedupKey) => Promise<{ id: string; ts: number } | undefined>;
  metrics: GatewayMetrics;
  logger: Logger;
  maxBodyBytes: number;
  /** How long a retry waits for another attempt of the same clientMsgId to finish. */
  pendingWaitMs: number;
}): SendMessage {
  const { producer, dedup, metrics } = deps;

  async function claim(key: DedupKey, body: string, sendsBucket: BucketRef | undefined) {
    const deadline = Date.now() + deps.pendingWaitMs;
    for (let attempt = 1; ; attempt++) {
      const id = newMessageId();
      const found = await dedup.claim(
        key,
        { id, ts: messageIdTime(id) },
        body,
        // One token per send: waiting out a concurrent attempt below does not spend more.
        attempt === 1 ? sendsBucket : undefined,
      );
      if (found.kind === 'limited') throw sendsBucket!.refused(found.retryAfterMs);
      if (found.kind === 'conflict') {
        // G3: the first body stays the message; this one would be dropped if we said ok.
        throw new SwitchboardError(
          ErrorCode.Conflict,
          'this clientMsgId was already used for a different message; send it under a new clientMsgId',
        );
      }
      if (found.kind !== 'pending') return found;
      // The same clientMsgId is being produced right now (a concurrent retry, maybe on another
      // pod): wait for its outcome rather than producing a second copy.
      const delay = backoffDelay(attempt, { initialMs: 20, maxMs: 250 });
      if (Date.now() + delay > deadline) {
        throw new SwitchboardError(ErrorCode.Unavailable, 'the same clientMsgId is still being sent', {
          retryAfterMs: 1000,
        });
      }
      await sleep(delay);
    }
  }

  /** After Redis lost its entries: the message may be stored already, under its first id. */
  async function recallStored(key: DedupKey, body: string, claimed: { id: string; ts: number }) {
    let stored: { id: string; ts: number } | undefined;
    try {
      stored = await deps.recall(key);
    } catch (err) {
      await dedup.discarded(key, claimed).catch(() => {});
      throw unavailable('the message store is unavailable', err);
    }
    if (!stored) return undefined;
    await dedup.adopt(key, stored, body);
    return { kind: 'acked' as const, ...stored };
  }

  return (sender, input, sendsBucket) =>
    tracer.startActiveSpan('message:send', async (span) => {
      span.setAttributes({ 'switchboard.room': input.room, 'switchboard.client_msg_id': input.clientMsgId });
      try {
        if (utf8Length(input.body) > deps.maxBodyBytes) {
          throw new SwitchboardError(ErrorCode.TooLarge, `the body exceeds ${deps.maxBodyBytes} bytes`);
        }
        const key: DedupKey = { room: input.room, sender, clientMsgId: input.clientMsgId };
        let claimed = await claim(key, input.body, sendsBucket);
        if (claimed.kind === 'claimed' && claimed.unverified) {
          claimed = (await recallStored(key, input.body, claimed)) ?? claimed;
        }
        if (claimed.kind === 'acked') {
          metrics.messagesDuplicate.inc();
          span.setAttribute('switchboard.duplicate', true);
          return { ok: true, id: claimed.id, ts: claimed.ts, duplicate: true } satisfies SendAck;
        }
        const message: ChatMessage = {
          id: claimed.id,
          room: input.room,
          sender,
          body: input.body,
          ts: claimed.ts,
          clientMsgId: input.clientMsgId,
        };
        span.setAttribute('switchboard.message_id', message.id);
        try {
          // One span per send: the record carries its context (the producer injects the active
          // one), and Kafka's ack is an event of it rather than a span of its own.
          await producer.produce(message);
          span.addEvent('kafka acked');
        } catch (err) {
          // Never sent: the next attempt is new and takes a new id (G4); unknown: it keeps this one (G3).
          const settle = err instanceof NotSentError ? dedup.discarded : dedup.failed;
          await settle(key, message).catch(() => {});
          throw err;
        }
        // Kafka has it: from here on the message exists (G1). The dedup settle and the room's
        // publish (log entry and channel) are issued in this same tick on the broadcast's
        // connection: with one Redis they leave in one write and Redis applies the settle first,
        // so whoever sees the message, a retry of it finds "acknowledged". Under a Redis Cluster
        // they may go to two nodes; a retry that overtakes the settle finds "pending" and waits
        // for it. The settle is not waited for and is best effort: were Redis to lose it, the
        // retry gets the message again under its id (clients keep one) and the persister's
        // unique key still keeps one row (G3).
        void dedup.acked(key, message).catch((err) => {
          deps.logger.warn({ err, id: message.id }, 'dedup entry not settled');
        });
        await deps.broadcast(message);
        metrics.messagesBroadcast.inc();
        return { ok: true, id: message.id, ts: message.ts } satisfies SendAck;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
}
