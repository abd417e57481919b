import { ErrorCode, SwitchboardError, toSwitchboardError } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { Budget } from '../limits/budget.ts';
import { clientAddress, isLoopback } from '../limits/client-address.ts';
import type { ConnectionCap } from '../limits/connection-cap.ts';
import { StrikeCounter } from '../limits/event-abuse.ts';
import { type EngineConnection, slowConsumerWatch } from '../limits/slow-consumer.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { emitClosingError } from './event-handler.ts';
import type { GatewayIo, GatewaySocket } from './socket-types.ts';

type Next = (err?: Error) => void;

/** A refused handshake: a `connect_error` whose `data` is the error body (RATE_LIMITED with retryAfterMs). */
function refuse(next: Next, err: unknown, metrics: GatewayMetrics, logger: Logger) {
  const error = toSwitchboardError(err, (e) => logger.error({ err: e }, 'handshake limit failed'));
  metrics.clientErrors.inc({ event: 'handshake', code: error.code });
  next(Object.assign(new Error(error.message), { data: error.toBody() }));
}

/**
 * Handshakes per client address, before the token is verified (verifying is the expensive
 * part of a handshake flood). Loopback may be exempt (development: tests and load tests run
 * from 127.0.0.1).
 */
export function limitHandshakeAddresses(
  io: GatewayIo,
  deps: {
    budget: Budget;
    trustedProxyHops: number;
    exemptLoopback: boolean;
    metrics: GatewayMetrics;
    logger: Logger;
  },
): void {
  io.use(async (socket, next) => {
    const address = clientAddress(
      socket.handshake.address,
      socket.handshake.headers['x-forwarded-for'],
      deps.trustedProxyHops,
    );
    if (deps.exemptLoopback && isLoopback(address)) return next();
    try {
      await deps.budget.take(address);
      next();
    } catch (err) {
      refuse(next, err, deps.metrics, deps.logger);
    }
  });
}

/**
 * After authentication: handshakes per user, then the user's open connections across pods
 * (connection-cap.ts). Every accepted connection is counted until it ends, and closed if it
 * stops reading what it is sent (slow-consumer.ts).
 */
export function limitConnections(
  io: GatewayIo,
  deps: {
    handshakes: Budget;
    cap: ConnectionCap;
    /** How often this pod renews its connections' entries (below their time to live). */
    refreshEveryMs: number;
    maxBufferedBytes: number;
    metrics: GatewayMetrics;
    logger: Logger;
  },
): { stop(): void } {
  io.use(async (socket, next) => {
    try {
      const { user } = socket.data;
      await deps.cap.admit(user, socket.id, deps.handshakes.bucket(user));
      next();
    } catch (err) {
      refuse(next, err, deps.metrics, deps.logger);
    }
  });
  // Shared by every connection (`this` is the socket): nothing per connection but its meter.
  function released(this: GatewaySocket) {
    void deps.cap.release(this.data.user, this.id);
  }
  const watchSlowConsumer = slowConsumerWatch<GatewaySocket>({
    maxBytes: deps.maxBufferedBytes,
    onSlow: (socket, bufferedBytes) => {
      deps.metrics.limitRefusals.inc({ limit: 'outbound', reason: 'slow_consumer' });
      deps.logger.warn({ user: socket.data.user, socket: socket.id, bufferedBytes }, 'slow consumer closed');
    },
  });
  io.on('connection', (socket) => {
    socket.on('disconnect', released);
    watchSlowConsumer(socket.conn as unknown as EngineConnection, socket);
  });
  const timer = setInterval(() => {
    const live = new Map<string, string[]>();
    for (const socket of io.of('/').sockets.values()) {
      const ids = live.get(socket.data.user);
      if (ids) ids.push(socket.id);
      else live.set(socket.data.user, [socket.id]);
    }
    void deps.cap.refresh(live);
  }, deps.refreshEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Invalid payloads and unknown events on one connection: each gets its typed error; past
 * `max` in `windowMs` the client is broken or hostile, and its connection is closed with a
 * reason (`error:protocol`, then disconnect). Returns the strike to call on each; a connection
 * gets its counter at its first strike, so well-behaved ones keep none.
 */
export function closeOnRepeatedInvalidEvents(deps: {
  max: number;
  windowMs: number;
  metrics: GatewayMetrics;
  logger: Logger;
}): (socket: GatewaySocket) => void {
  const counters = new WeakMap<GatewaySocket, StrikeCounter | 'closing'>();
  return (socket) => {
    let counter = counters.get(socket);
    if (counter === 'closing') return;
    if (!counter) {
      counter = new StrikeCounter(deps);
      counters.set(socket, counter);
    }
    if (!counter.strike(Date.now())) return;
    counters.set(socket, 'closing');
    deps.metrics.limitRefusals.inc({ limit: 'events', reason: 'invalid_events' });
    deps.logger.warn(
      { user: socket.data.user, socket: socket.id },
      'connection closed: too many invalid events',
    );
    emitClosingError(
      socket,
      new SwitchboardError(
        ErrorCode.Invalid,
        `more than ${deps.max} invalid or unknown events within ${deps.windowMs} ms; the connection is closed`,
      ),
      'protocol',
    );
    socket.disconnect(true);
  };
}
