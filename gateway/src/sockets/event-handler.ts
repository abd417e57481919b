import {
  ClientEvent,
  type ErrorAck,
  ErrorCode,
  type PayloadParser,
  ServerEvent,
  SwitchboardError,
  toSwitchboardError,
  zodIssueMessage,
} from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { Budget } from '../limits/budget.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Ack, GatewaySocket } from './socket-types.ts';

export type EventHandlerDeps = {
  metrics: GatewayMetrics;
  logger: Logger;
  /** Called for each payload that fails its schema (closeOnRepeatedInvalidEvents). */
  onInvalid: () => void;
};

export type HandleEvent = <T>(
  event: string,
  /** The payload's schema (zod), or a parser that agrees with it (messageSendParser). */
  schema: PayloadParser<T>,
  /**
   * The user's budget this event spends (each kind of event has its own); null when `run`
   * spends it itself (message:send takes its token in the dedup claim's round trip).
   */
  budget: Budget | null,
  run: (input: T) => Promise<unknown>,
) => void;

/**
 * The one shape of every client event: validate, take from the user's budget for this kind of
 * event (or let `run` take it), run, and answer through the ack; a failure becomes a typed
 * error for this client only (G7).
 */
export function eventHandler(socket: GatewaySocket, deps: EventHandlerDeps): HandleEvent {
  const { metrics } = deps;
  // Bound once: observing through a label object hashes the labels on every call.
  const ackedOk = metrics.ackLatency.labels({ outcome: 'ok' });
  return (event, schema, budget, run) => {
    const isSend = event === ClientEvent.MessageSend;
    socket.on(event, async (payload: unknown, ack?: Ack) => {
      const started = performance.now();
      if (isSend) metrics.messagesReceived.inc();
      try {
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          deps.onInvalid();
          throw new SwitchboardError(ErrorCode.Invalid, zodIssueMessage(parsed.error, event));
        }
        await budget?.take(socket.data.user);
        const result = await run(parsed.data);
        if (typeof ack === 'function') ack(result);
        if (isSend) ackedOk.observe((performance.now() - started) / 1000);
      } catch (err) {
        const error = toSwitchboardError(err, (e) => deps.logger.error({ err: e, event }, 'event failed'));
        metrics.clientErrors.inc({ event, code: error.code });
        if (isSend) {
          metrics.messagesRejected.inc({ code: error.code });
          metrics.ackLatency.observe({ outcome: error.code }, (performance.now() - started) / 1000);
        }
        if (typeof ack === 'function') ack(error.toAck() satisfies ErrorAck);
        else if (event !== ClientEvent.Typing) emitError(socket, error, event);
      }
    });
  };
}

/** For events without an ack: `error:protocol` to this client only. */
export function emitError(socket: GatewaySocket, error: SwitchboardError, event: string): void {
  socket.emit(ServerEvent.Error, { event, ...error.toAck() });
}

/**
 * `error:protocol` written to this connection at once, for a reason sent right before a
 * disconnect: with connection state recovery on, a plain `socket.emit` first goes through the
 * adapter (a Redis round trip) and would arrive after the disconnect, that is never.
 */
export function emitClosingError(socket: GatewaySocket, error: SwitchboardError, event: string): void {
  socket.nsp.local.to(socket.id).emit(ServerEvent.Error, { event, ...error.toAck() });
}
