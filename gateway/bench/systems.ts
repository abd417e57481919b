import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import {
  canConnect,
  devJwtSecret,
  dirs,
  down,
  freePort,
  gatewayEnv,
  HOST,
  httpOk,
  ports,
  redisClient,
  repoRoot,
  runningPid,
  serviceByName,
  startService,
  waitFor,
} from '@switchboard/stack';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { SHARDS } from '../src/redis-shard-tags.ts';
import { HEAP_REPORT_FLAGS, heapReportDir, type ServerProcess, serverProcess } from './process-stats.ts';

/**
 * The systems the benchmark drives with the same load generator: one Switchboard gateway of the
 * local stack (addressed directly, so it is one node), the stack through its load balancer, and
 * the Socket.IO reference server with its own Redis.
 */
export type SystemUnderTest = {
  name: string;
  url: string;
  /** The node(s) the clients talk to: "gateway CPU" and RSS are theirs. */
  nodes: ServerProcess[];
  /** Every server process that works for a message (the nodes included). */
  all: ServerProcess[];
  /** Handshake `auth` for a user. */
  auth(user: string): Promise<Record<string, string>>;
  /** Room decisions (pod cache hits, PostgreSQL lookups) so far, where the system has them. */
  roomDecisions?(): Promise<{ hit: number; miss: number }>;
  /**
   * The same system with its node freshly started (a memory baseline without earlier garbage);
   * with `heapReport`, the node answers heapUsedAfterGc (process-stats.ts).
   */
  restartNode(options?: { heapReport?: boolean }): Promise<SystemUnderTest>;
  stop(): Promise<void>;
};

function stackPid(name: string): number {
  const pid = runningPid(name);
  if (pid === undefined) throw new Error(`${name} is not running: run make up`);
  return pid;
}

async function switchboardAuth(user: string) {
  return { token: (await mintDevToken({ secret: devJwtSecret, sub: user })).token };
}

async function roomDecisions(opsPorts: number[]): Promise<{ hit: number; miss: number }> {
  const total = { hit: 0, miss: 0 };
  for (const port of opsPorts) {
    const text = await (await fetch(`http://${HOST}:${port}/metrics`)).text();
    for (const m of text.matchAll(/room_decision_lookups_total\{[^}]*result="(hit|miss)"[^}]*\} (\d+)/g)) {
      total[m[1] as 'hit' | 'miss'] += Number(m[2]);
    }
  }
  return total;
}

/** Where the stack takes an accepted message after the gateway: Kafka, the persister, PostgreSQL with its backends. */
export function stackStorage(): ServerProcess[] {
  return [
    serverProcess('kafka', stackPid('kafka')),
    serverProcess('persister', stackPid('persister')),
    serverProcess('postgresql', stackPid('postgres'), true),
  ];
}

/** The stack's processes besides the gateways. */
function stackBackends(): ServerProcess[] {
  return [...stackStorage(), serverProcess('redis', stackPid('redis'))];
}

/**
 * The figures are steady state: for DEDUP_TTL_SECONDS after Redis started empty, every gateway
 * checks PostgreSQL for each new message (G3 after a data loss). Rather than wait that long after
 * `make up`, the bench marks every shard's dedup epoch as made long ago.
 */
async function ageDedupEpochs() {
  const redis = redisClient();
  try {
    await Promise.all(Array.from({ length: SHARDS }, (_, n) => redis.set(`sb:dedup:epoch:{s${n}}`, '0')));
  } finally {
    await redis.quit();
  }
}

/** gateway-1 of the local stack, directly: one node; the whole stack counts for "all processes". */
export async function switchboardGateway(): Promise<SystemUnderTest> {
  if (!(await httpOk(`http://${HOST}:${ports.gateway1Ops}/readyz`)))
    throw new Error(`gateway-1 (${HOST}:${ports.gateway1}) is not ready: run make up`);
  await ageDedupEpochs();
  const gateway1 = serverProcess('gateway-1', stackPid('gateway-1'));
  return {
    name: 'switchboard',
    url: `http://${HOST}:${ports.gateway1}`,
    nodes: [gateway1],
    all: [gateway1, serverProcess('gateway-2', stackPid('gateway-2')), ...stackBackends()],
    auth: switchboardAuth,
    roomDecisions: () => roomDecisions([ports.gateway1Ops]),
    restartNode: async (options) => {
      await down({ only: ['gateway-1'] });
      const nodeOptions = process.env.NODE_OPTIONS;
      if (options?.heapReport) {
        heapReportDir();
        process.env.NODE_OPTIONS = [nodeOptions, ...HEAP_REPORT_FLAGS].filter(Boolean).join(' ');
      }
      try {
        await startService(serviceByName('gateway-1'));
      } finally {
        if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
        else process.env.NODE_OPTIONS = nodeOptions;
      }
      return switchboardGateway();
    },
    stop: async () => {},
  };
}

/** The stack through its load balancer, onto both gateways. */
export async function switchboardBalanced(): Promise<SystemUnderTest> {
  if (!(await httpOk(`http://${HOST}:${ports.loadBalancerOps}/readyz`)))
    throw new Error(`no ready gateway behind ${HOST}:${ports.loadBalancer}: run make up`);
  const gateways = ['gateway-1', 'gateway-2'].map((name) => serverProcess(name, stackPid(name)));
  return {
    name: 'switchboard (load balancer, 2 gateways)',
    url: `http://${HOST}:${ports.loadBalancer}`,
    nodes: gateways,
    all: [...gateways, ...stackBackends()],
    auth: switchboardAuth,
    roomDecisions: () => roomDecisions([ports.gateway1Ops, ports.gateway2Ops]),
    restartNode: () => {
      throw new Error('the load balancer run restarts nothing');
    },
    stop: async () => {},
  };
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A child that prints `{"port": N}` on its first line once it listens (the bench's servers do). */
export async function spawnListeningChild(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${args.find((a) => !a.startsWith('-'))} exited (${code}) before listening`)),
    );
    child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port));
  });
  return { child, port };
}

/** A redis-server of the bench's own (free port, no persistence): only the bench's processes use it. */
export type BenchRedis = { url: string; process: ServerProcess; stop(): Promise<void> };

export async function startBenchRedis(name: string): Promise<BenchRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  try {
    await waitFor(`${name} redis-server`, () => canConnect(port), {
      timeoutMs: 10_000,
      isAlive: () => child.exitCode === null,
    });
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    url: `redis://${HOST}:${port}`,
    process: serverProcess(name, child.pid!),
    stop: () => stopChild(child),
  };
}

/**
 * A gateway process of the bench's own on free ports, with the stack's Kafka and PostgreSQL and
 * the settings given (its own Redis, say; a variable set to undefined is removed). It runs
 * `<root>/gateway/src/main.ts`: this tree by default, or another (an export of an earlier
 * commit) to compare before and after a change.
 */
export async function benchGateway(
  name: string,
  env: Record<string, string | undefined>,
  root = repoRoot,
): Promise<SystemUnderTest> {
  const [port, opsPort] = [await freePort(), await freePort()];
  fs.mkdirSync(dirs.logs, { recursive: true });
  const log = path.join(dirs.logs, `bench-${name.replaceAll(' ', '-')}-${port}.log`);
  const out = fs.openSync(log, 'w');
  const child = spawn(process.execPath, [path.join(root, 'gateway/src/main.ts')], {
    cwd: root,
    env: Object.fromEntries(
      Object.entries({ ...process.env, ...gatewayEnv(port, opsPort), ...env }).filter(
        ([, v]) => v !== undefined,
      ),
    ),
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  try {
    await waitFor(name, () => httpOk(`http://${HOST}:${opsPort}/readyz`), {
      timeoutMs: 60_000,
      isAlive: () => child.exitCode === null,
      logHint: log,
    });
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  const node = serverProcess(name, child.pid!);
  return {
    name,
    url: `http://${HOST}:${port}`,
    nodes: [node],
    all: [node],
    auth: switchboardAuth,
    roomDecisions: () => roomDecisions([opsPort]),
    restartNode: async () => {
      await stopChild(child);
      return benchGateway(name, env, root);
    },
    stop: () => stopChild(child),
  };
}

/** The Socket.IO reference (reference-server.ts) on a redis-server of its own, both started here. */
export async function socketIoReference(): Promise<SystemUnderTest> {
  const redis = await startBenchRedis('reference redis');
  try {
    return await referenceServer(redis);
  } catch (err) {
    await redis.stop();
    throw err;
  }
}

async function referenceServer(redis: BenchRedis, nodeFlags: string[] = []): Promise<SystemUnderTest> {
  if (nodeFlags.length > 0) heapReportDir();
  const { child, port } = await spawnListeningChild([
    ...nodeFlags,
    'gateway/bench/reference-server.ts',
    redis.url,
  ]);
  const node = serverProcess('reference server', child.pid!);
  return {
    name: 'socket.io reference',
    url: `http://${HOST}:${port}`,
    nodes: [node],
    all: [node, redis.process],
    auth: async (user) => ({ user }),
    restartNode: async (options) => {
      await stopChild(child);
      return referenceServer(redis, options?.heapReport ? HEAP_REPORT_FLAGS : []);
    },
    stop: async () => {
      await stopChild(child);
      await redis.stop();
    },
  };
}
