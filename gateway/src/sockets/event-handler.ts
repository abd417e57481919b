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
  onInvalid: (socket: GatewaySocket) => void;
};

/** A listener shared by every connection: Socket.IO calls it with the socket as `this`. */
export type EventListener = (this: GatewaySocket, payload: unknown, ack?: Ack) => void;

export type DefineEvent = <T>(
  event: string,
  /** The payload's schema (zod), or a parser that agrees with it (messageSendParser). */
  schema: PayloadParser<T>,
  /**
   * The user's budget this event spends (each kind of event has its own); null when `run`
   * spends it itself (message:send takes its token in the dedup claim's round trip; room:join
   * spends none on a connection's first join).
   */
  budget: Budget | null,
  run: (socket: GatewaySocket, input: T) => Promise<unknown>,
) => EventListener;

/**
 * The one shape of every client event: validate, take from the user's budget for this kind of
 * event (or let `run` take it), run, and answer through the ack; a failure becomes a typed
 * error for this client only (G7). Each listener is built once for the server, not per
 * connection: an idle connection keeps no closures of its own.
 */
export function eventDefinitions(deps: EventHandlerDeps): DefineEvent {
  const { metrics } = deps;
  // Bound once: observing through a label object hashes the labels on every call.
  const ackedOk = metrics.ackLatency.labels({ outcome: 'ok' });
  return (event, schema, budget, run) => {
    const isSend = event === ClientEvent.MessageSend;
    return async function listener(this: GatewaySocket, payload: unknown, ack?: Ack) {
      const started = performance.now();
      if (isSend) metrics.messagesReceived.inc();
      try {
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          deps.onInvalid(this);
          throw new SwitchboardError(ErrorCode.Invalid, zodIssueMessage(parsed.error, event));
        }
        await budget?.take(this.data.user);
        const result = await run(this, parsed.data);
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
        else if (event !== ClientEvent.Typing) emitError(this, error, event);
      }
    };
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
