import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntil as pollUntil } from '@switchboard/service-kit';
import { dirs, freePort, HOST, repoRoot, serviceEnv } from '@switchboard/stack';

/**
 * A real persister process (node persister/src/main.ts) on its own ops port, for tests and the
 * benchmark: they kill it, restart it and scale it like an orchestrator would.
 */
export type PersisterProcess = {
  name: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  metric: (name: string, labels?: Record<string, string>) => Promise<number | undefined>;
  readyz: () => Promise<{ status: number; body: string }>;
  kill: (signal: NodeJS.Signals) => Promise<number | null>;
};

export type PersisterTarget = { topic: string; dlqTopic: string; groupId: string };

let started = 0;

export async function startPersister(
  target: PersisterTarget,
  env: Record<string, string> = {},
): Promise<PersisterProcess> {
  const port = await freePort();
  const name = `test-persister-${process.pid}-${++started}`;
  fs.mkdirSync(dirs.logs, { recursive: true });
  const log = fs.openSync(path.join(dirs.logs, `${name}.log`), 'w');
  const child = spawn(process.execPath, [path.join(repoRoot, 'persister', 'src', 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...serviceEnv(),
      PORT: String(port),
      HOST,
      KAFKA_TOPIC: target.topic,
      KAFKA_DLQ_TOPIC: target.dlqTopic,
      KAFKA_GROUP_ID: target.groupId,
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      WRITE_TIMEOUT_MS: '4000',
      KAFKA_MAX_WAIT_MS: '100',
      RETRY_INITIAL_MS: '200',
      RETRY_MAX_MS: '2000',
      DATABASE_POOL_MAX: '3',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://${HOST}:${port}`;
  const proc: PersisterProcess = {
    name,
    port,
    child,
    exited,
    metric: async (metricName, labels = {}) => {
      const text = await fetchText(`${base}/metrics`);
      return text === undefined ? undefined : metricValue(text, metricName, labels);
    },
    readyz: async () => {
      try {
        const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3_000) });
        return { status: res.status, body: await res.text() };
      } catch (err) {
        return { status: 0, body: (err as Error).message };
      }
    },
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

const running = new Set<PersisterProcess>();

/** For `after` hooks: no persister outlives its test file. */
export async function killAllPersisters(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}

/** Polls until `check` holds; fails the test with `what` at the timeout. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 90_000,
): Promise<void> {
  if (!(await pollUntil(check, { timeoutMs, intervalMs: 250 })))
    throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

export async function waitReady(proc: PersisterProcess, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `${proc.name} is ready`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode}`);
      return (await proc.readyz()).status === 200;
    },
    timeoutMs,
  );
}

/** The value of one series in Prometheus text; undefined when absent. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const seriesLabels = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (!Object.entries(labels).every(([k, v]) => seriesLabels[k] === v)) continue;
    // Several series match (e.g. per partition): their sum.
    total = (total ?? 0) + Number(match[4]);
  }
  return total;
}

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return await res.text();
  } catch {
    return undefined;
  }
}
