/**
 * The local Redis Cluster as one stack process (services/redis.ts with SB_REDIS_CLUSTER=1): a
 * redis-server per port with cluster mode on and no persistence, the cluster created once
 * (`redis-cli --cluster create`, three primaries, no replicas), and a node that dies started
 * again at once on its port with its nodes file, empty, as an orchestrator would restart a pod:
 * a fault test kills one node (`stack restart-redis-node <n>`) and the cluster heals. The nodes
 * are in this process's group, so stopping or killing the `redis` service stops them all.
 *   node stack/src/redis-cluster-supervisor.ts <host> <data dir> <run dir> <port>...
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { waitUntil } from '@switchboard/service-kit';

const run = promisify(execFile);
const [host, dataDir, runDir, ...portArgs] = process.argv.slice(2);
const ports = portArgs.map(Number);
if (!host || !dataDir || !runDir || ports.length === 0 || !ports.every(Number.isInteger)) {
  console.error('usage: redis-cluster-supervisor.ts <host> <data dir> <run dir> <port>...');
  process.exit(2);
}
fs.mkdirSync(dataDir, { recursive: true });
fs.mkdirSync(runDir, { recursive: true });

const log = (line: string) => console.log(`[redis-cluster] ${new Date().toISOString()} ${line}`);
const nodes = new Map<number, ChildProcess>();
let stopping = false;

/** The pid file `stack restart-redis-node <n>` reads (n counts from 1, in port order). */
const pidFile = (index: number) => path.join(runDir, `redis-node-${index + 1}.pid`);

function startNode(index: number, restartDelayMs = 100): void {
  const port = ports[index]!;
  const startedAt = Date.now();
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', host!, '--dir', dataDir!],
      // No persistence: a node that restarts comes back empty, which is what fault tests need.
      ...['--save', '', '--appendonly', 'no'],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  nodes.set(index, child);
  if (child.pid !== undefined) fs.writeFileSync(pidFile(index), String(child.pid));
  child.on('exit', (code, signal) => {
    nodes.delete(index);
    if (stopping) {
      if (nodes.size === 0) process.exit(0);
      return;
    }
    // A node that cannot start (its port still held) is retried with growing pauses.
    const delay = Date.now() - startedAt < 1000 ? Math.min(restartDelayMs * 2, 5000) : 100;
    log(`node on port ${port} exited (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) startNode(index, delay);
    }, delay).unref();
  });
}

async function clusterInfo(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', host!, '-p', String(port), 'cluster', 'info'], {
    timeout: 2000,
  });
  return stdout;
}

/** Once every node answers: a cluster where no node has slots or peers yet is created. */
async function createClusterIfNew(): Promise<void> {
  let infos: string[] = [];
  const answered = await waitUntil(
    async () => {
      try {
        infos = await Promise.all(ports.map(clusterInfo));
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  if (!answered) {
    log('the nodes did not answer; not creating the cluster');
    return;
  }
  const fresh = infos.every(
    (info) => /cluster_known_nodes:1\b/.test(info) && /cluster_slots_assigned:0\b/.test(info),
  );
  if (!fresh) {
    const configured = infos.every((info) => !/cluster_slots_assigned:0\b/.test(info));
    if (!configured) log(`some nodes were never part of the cluster: delete ${dataDir} to start over`);
    return;
  }
  log(`creating the cluster on ports ${ports.join(', ')}`);
  const { stdout } = await run(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `${host}:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { timeout: 60_000 },
  );
  // redis-cli colours its report even into a file.
  log(stripVTControlCharacters(stdout).split('\n').slice(-3).join(' ').trim());
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stopping = true;
    if (nodes.size === 0) process.exit(0);
    for (const child of nodes.values()) child.kill('SIGTERM');
  });
}

for (const index of ports.keys()) startNode(index);
createClusterIfNew().catch((err: Error) => log(`creating the cluster failed: ${err.message}`));
