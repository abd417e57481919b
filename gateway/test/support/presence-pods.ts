import { after } from 'node:test';
import type { PresenceEvent } from '@switchboard/protocol';
import { createLogger } from '@switchboard/service-kit';
import { redisClient } from '@switchboard/stack';
import { Registry } from 'prom-client';
import { createGatewayMetrics } from '../../src/metrics.ts';
import { createPresence, type Presence } from '../../src/sockets/presence.ts';
import type { GatewaySocket } from '../../src/sockets/socket-types.ts';

type Redis = ReturnType<typeof redisClient>;

/**
 * Pods' presence on the stack's Redis, each on a connection of its own, stopped after the file's
 * tests; `announced` collects what a pod tells its rooms. Their sockets are stand-ins that carry
 * a user (the presence records only that); the Redis side is real.
 */
export function presencePods() {
  const connections: Redis[] = [];
  const pods: Presence[] = [];
  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    for (const c of connections) c.disconnect();
  });
  return (options: { ackMaxUsers?: number; ttlMs?: number; announced?: PresenceEvent[] } = {}) => {
    const redis = redisClient();
    connections.push(redis);
    const presence = createPresence({
      redis,
      metrics: createGatewayMetrics(new Registry()),
      logger: createLogger('test', 'silent'),
      ttlMs: options.ttlMs ?? 30_000,
      ...(options.ackMaxUsers === undefined ? {} : { ackMaxUsers: options.ackMaxUsers }),
      announce: async (event) => {
        options.announced?.push(event);
      },
    });
    pods.push(presence);
    return { presence, redis };
  };
}

export const socketOf = (user: string) => ({ data: { user } }) as unknown as GatewaySocket;

type Script = (...args: unknown[]) => Promise<unknown>;

/** Records each call of the script command `name` (its arguments) and runs it. */
export function recorded(redis: Redis, name: string): unknown[][] {
  const scripts = redis as unknown as Record<string, Script>;
  const run = (scripts[name] as Script).bind(redis);
  const calls: unknown[][] = [];
  scripts[name] = (...args) => {
    calls.push(args);
    return run(...args);
  };
  return calls;
}
