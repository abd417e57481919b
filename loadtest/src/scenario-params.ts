/**
 * Every knob of the k6 scenarios, read from environment variables with their defaults: the one
 * place they are named. The k6 scripts read them from `__ENV`, the Node runner from
 * `process.env` (to mint enough tokens and to print the exact parameters in reports).
 * Pure: runs in k6 and in Node.
 */

export type Env = Record<string, string | undefined>;

export type CommonParams = {
  /** Base URL of the gateways: the load balancer locally, the ingress in a cluster. */
  target: string;
  /** Optional direct gateway URLs; connections are spread over them round-robin instead. */
  targets: string[];
  socketPath: string;
  /** Names rooms and clientMsgIds of this run, so runs never mix; generated in setup() when empty. */
  runId: string;
  tokensFile: string;
  /**
   * Rooms are created through the rooms API before the load, by their owner's token, with
   * every member added (PUT): `private` (default) or `public`.
   */
  roomVisibility: RoomVisibility;
};

export const ROOM_VISIBILITIES = ['private', 'public'] as const;
export type RoomVisibility = (typeof ROOM_VISIBILITIES)[number];

export type FanoutParams = CommonParams & {
  rooms: number;
  /** Receivers per room. */
  members: number;
  /** Publishers per room. */
  publishers: number;
  /** Messages per second per publisher. */
  rate: number;
  /** Publishing time, as a k6 duration ("30s", "2m"). */
  duration: string;
  bodyBytes: number;
  /** Time for every receiver to connect and join before publishing starts. */
  warmup: string;
  /** Time after publishing for the last deliveries and tallies to arrive. */
  drain: string;
  ackTimeoutMs: number;
  /** Receiver connections one k6 VU holds (fewer VUs: k6 itself stays light). */
  connectionsPerVu: number;
  /** Thresholds. */
  p95Ms: number;
  p99Ms: number;
  maxErrorRate: number;
};

export type ConnectParams = CommonParams & {
  /** Peak concurrent connections (VUs). */
  maxConnections: number;
  rampUp: string;
  hold: string;
  /** How long each connection stays joined before it leaves and disconnects (churn). */
  sessionMs: number;
  rooms: number;
  handshakeP95Ms: number;
  maxErrorRate: number;
};

export type HistoryParams = CommonParams & {
  /** Messages seeded into the paged room. */
  messages: number;
  readers: number;
  pageSize: number;
  duration: string;
  pageP95Ms: number;
};

export type SoakParams = FanoutParams & {
  /** Gateway /metrics URLs sampled for memory; empty in a cluster unless given. */
  metricsUrls: string[];
  sampleEvery: string;
};

export function commonParams(env: Env): CommonParams {
  const target = env.SB_TARGET;
  if (!target) {
    throw new Error('SB_TARGET is required: the base URL of the gateways (load balancer or ingress)');
  }
  return {
    target,
    targets: list(env.SB_TARGETS),
    socketPath: env.SB_SOCKET_PATH ?? '/socket.io/',
    runId: env.SB_RUN_ID ?? '',
    tokensFile: env.SB_TOKENS_FILE ?? '',
    roomVisibility: oneOf(env, 'SB_ROOM_VISIBILITY', ROOM_VISIBILITIES, 'private'),
  };
}

export function fanoutParams(env: Env): FanoutParams {
  return {
    ...commonParams(env),
    rooms: int(env, 'SB_ROOMS', 10),
    members: int(env, 'SB_MEMBERS', 10),
    publishers: int(env, 'SB_PUBLISHERS', 1),
    rate: num(env, 'SB_RATE', 5),
    duration: env.SB_DURATION ?? '30s',
    bodyBytes: int(env, 'SB_BODY_BYTES', 128),
    warmup: env.SB_WARMUP ?? '5s',
    drain: env.SB_DRAIN ?? '10s',
    ackTimeoutMs: int(env, 'SB_ACK_TIMEOUT_MS', 10_000),
    connectionsPerVu: Math.max(1, int(env, 'SB_CONNECTIONS_PER_VU', 10)),
    p95Ms: num(env, 'SB_P95_MS', 500),
    p99Ms: num(env, 'SB_P99_MS', 1_000),
    maxErrorRate: num(env, 'SB_MAX_ERROR_RATE', 0.01),
  };
}

export function connectParams(env: Env): ConnectParams {
  return {
    ...commonParams(env),
    maxConnections: int(env, 'SB_MAX_CONNECTIONS', 500),
    rampUp: env.SB_RAMP_UP ?? '60s',
    hold: env.SB_HOLD ?? '30s',
    sessionMs: int(env, 'SB_SESSION_MS', 5_000),
    rooms: int(env, 'SB_ROOMS', 50),
    handshakeP95Ms: num(env, 'SB_HANDSHAKE_P95_MS', 1_000),
    maxErrorRate: num(env, 'SB_MAX_ERROR_RATE', 0.01),
  };
}

export function historyParams(env: Env): HistoryParams {
  return {
    ...commonParams(env),
    messages: int(env, 'SB_MESSAGES', 500),
    readers: int(env, 'SB_READERS', 20),
    pageSize: int(env, 'SB_PAGE_SIZE', 50),
    duration: env.SB_DURATION ?? '30s',
    pageP95Ms: num(env, 'SB_PAGE_P95_MS', 500),
  };
}

export function soakParams(env: Env): SoakParams {
  return {
    ...fanoutParams({ SB_DURATION: '30m', SB_RATE: '2', ...definedOnly(env) }),
    metricsUrls: list(env.SB_METRICS_URLS),
    sampleEvery: env.SB_SAMPLE_EVERY ?? '15s',
  };
}

/** How many distinct users (tokens) a scenario needs: one per connection it holds at once. */
export function usersNeeded(scenario: string, env: Env): number {
  switch (scenario) {
    case 'fanout':
    case 'soak': {
      const p = scenario === 'soak' ? soakParams(env) : fanoutParams(env);
      return p.rooms * (p.members + p.publishers);
    }
    case 'connect':
      return connectParams(env).maxConnections;
    case 'history':
      return historyParams(env).readers + 1;
    default:
      throw new Error(`unknown scenario "${scenario}"; known: fanout, connect, history, soak`);
  }
}

export const SCENARIOS = ['fanout', 'connect', 'history', 'soak'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** k6 duration string ("1m30s", "500ms", "2h") to milliseconds. */
export function durationMs(text: string): number {
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * unit[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== text.length) throw new Error(`not a duration: "${text}"`);
  return total;
}

function int(env: Env, name: string, fallback: number): number {
  const value = num(env, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${env[name]}`);
  return value;
}

function num(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got ${raw}`);
  }
  return raw as T;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}
