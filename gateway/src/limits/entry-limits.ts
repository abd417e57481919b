import type { Logger } from '@switchboard/service-kit';
import type { GatewayConfig } from '../config.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { RedisClient } from '../redis-connections.ts';
import { type Budget, createBudgets } from './budget.ts';
import { createConcurrencyCap, slotOrRefuse } from './concurrency-cap.ts';
import { type ConnectionCap, createConnectionCap } from './connection-cap.ts';

export type EntryLimits = {
  budgets: {
    sends: Budget;
    roomEvents: Budget;
    typing: Budget;
    handshakeUser: Budget;
    handshakeAddress: Budget;
    history: Budget;
    roomsApi: Budget;
  };
  connections: ConnectionCap;
  /** History calls: the user's budget, then a query slot of this pod; returns the slot's release. */
  admitHistory: (user: string) => Promise<() => void>;
};

/**
 * Every entry point's limit, built from the settings (gateway/README.md "Limits"): one token
 * bucket per kind of request, so typing never spends the sends' budget nor a join flood the
 * history's; each refusal counted in `limit_refusals_total{limit,reason}`.
 */
export function createEntryLimits(
  redis: RedisClient,
  config: GatewayConfig,
  deps: { metrics: GatewayMetrics; logger: Logger },
): EntryLimits {
  const refused = (limit: string, reason: string) => deps.metrics.limitRefusals.inc({ limit, reason });
  let lastLogged = 0;
  const storeError = (err: unknown, limit: string) => {
    // An outage fails every call: one line per 5 s is enough (redis-connections.ts counts errors).
    if (Date.now() - lastLogged < 5000) return;
    lastLogged = Date.now();
    deps.logger.warn({ err, limit }, 'limit store (Redis) unavailable');
  };
  const budget = createBudgets(redis, { onRefused: refused, onStoreError: storeError });
  const queries = createConcurrencyCap({
    perKey: config.HISTORY_MAX_CONCURRENT_PER_USER,
    total: config.HISTORY_MAX_CONCURRENT,
  });
  const history = budget('history', {
    what: 'history requests',
    burst: config.HISTORY_LIMIT_BURST,
    perSecond: config.HISTORY_LIMIT_PER_SECOND,
    // History reads need PostgreSQL, not Redis: a Redis outage does not stop them.
    failOpen: true,
  });
  return {
    budgets: {
      // Sends and joins need Redis anyway (dedup, presence): without it they are UNAVAILABLE.
      sends: budget('sends', {
        what: 'messages',
        burst: config.RATE_LIMIT_BURST,
        perSecond: config.RATE_LIMIT_PER_SECOND,
      }),
      roomEvents: budget('room_events', {
        what: 'joins and leaves',
        burst: config.ROOM_EVENTS_LIMIT_BURST,
        perSecond: config.ROOM_EVENTS_LIMIT_PER_SECOND,
      }),
      typing: budget('typing', {
        what: 'typing events',
        burst: config.TYPING_LIMIT_BURST,
        perSecond: config.TYPING_LIMIT_PER_SECOND,
      }),
      handshakeUser: budget('handshake_user', {
        what: 'connection attempts for this user',
        burst: config.HANDSHAKE_USER_LIMIT_BURST,
        perSecond: config.HANDSHAKE_USER_LIMIT_PER_SECOND,
        failOpen: true,
      }),
      handshakeAddress: budget('handshake_address', {
        what: 'connection attempts from this address',
        burst: config.HANDSHAKE_ADDRESS_LIMIT_BURST,
        perSecond: config.HANDSHAKE_ADDRESS_LIMIT_PER_SECOND,
        failOpen: true,
      }),
      history,
      roomsApi: budget('rooms_api', {
        what: 'rooms API requests',
        burst: config.ROOMS_API_LIMIT_BURST,
        perSecond: config.ROOMS_API_LIMIT_PER_SECOND,
        failOpen: true,
      }),
    },
    connections: createConnectionCap(redis, {
      max: config.MAX_CONNECTIONS_PER_USER,
      ttlMs: config.PRESENCE_TTL_MS,
      onRefused: () => refused('connections', 'user_cap'),
      onStoreError: (err) => storeError(err, 'connections'),
    }),
    async admitHistory(user) {
      await history.take(user);
      return slotOrRefuse(queries, user, (reason) => refused('history', reason));
    },
  };
}
