import { ratio } from './bench-stats.ts';
import { closeAll, connectMembers, sleep } from './load-clients.ts';
import { heapUsedAfterGc, rssBytes } from './process-stats.ts';
import type { SystemUnderTest } from './systems.ts';

/**
 * Memory per idle connection: the node's RSS before and after `count` connections that only
 * connected (handshake done, no room), once they have settled. RSS grows only where the heap
 * has no free room, so the caller starts the node fresh. RSS also counts what the connects
 * left behind: young-generation pages they touched (up to its fixed size, tens of MiB) and
 * garbage not yet collected. When the node was started to report it (heap-report.ts), the V8
 * heap kept after a full collection is measured too: what each connection holds. A second batch
 * of `count` connections then gives the RSS each further connection adds, with the young
 * generation already grown: the slope a pod's memory follows past the first thousands. Last,
 * the node's CPU while it holds both batches and nothing happens (pings, its own timers), above
 * what it used before any of them: what idle connections cost a pod.
 */
export type IdleResult = {
  connections: number;
  rssBefore: number;
  rssAfter: number;
  perConnection: number;
  /** V8 heap kept per connection, after a full collection; undefined unless reported. */
  heapPerConnection?: number;
  /** RSS added per connection by the second batch of `connections`. */
  furtherPerConnection: number;
  /** Node CPU µs per second per 1,000 connections held idle, above the node's idle baseline. */
  idleCpuPerThousand: number;
};

/** Long enough for every connection's ping (25 s apart) to count in proportion. */
const IDLE_CPU_WINDOW_MS = 20_000;
const BASELINE_WINDOW_MS = 10_000;

const nodeRss = (system: SystemUnderTest) => system.nodes.reduce((sum, p) => sum + rssBytes(p.pid), 0);
const nodeCpu = (system: SystemUnderTest) => system.nodes.reduce((sum, p) => sum + p.cpuMicros(), 0);
/** The node's CPU µs per second over the next `ms`. */
async function cpuPerSecond(system: SystemUnderTest, ms: number): Promise<number> {
  const before = nodeCpu(system);
  await sleep(ms);
  return (nodeCpu(system) - before) / (ms / 1000);
}
const nodeHeap = async (system: SystemUnderTest) => {
  let sum = 0;
  for (const p of system.nodes) sum += await heapUsedAfterGc(p.pid);
  return sum;
};

export async function runIdleConnections(
  system: SystemUnderTest,
  count: number,
  log: (line: string) => void,
  options: { heap?: boolean } = {},
): Promise<IdleResult> {
  const members = Array.from({ length: count }, (_, i) => ({ user: `bench-i${i}`, room: '' }));
  const further = Array.from({ length: count }, (_, i) => ({ user: `bench-j${i}`, room: '' }));
  // A few connections first, so compiling the handshake path is not counted per connection.
  closeAll((await connectMembers(system, members.slice(0, 50), { join: false })).clients);
  await sleep(2000);
  const baseline = await cpuPerSecond(system, BASELINE_WINDOW_MS);
  const rssBefore = nodeRss(system);
  // After the RSS reading: a full collection may return pages to the system.
  const heapBefore = options.heap ? await nodeHeap(system) : undefined;
  const { clients, fillMs } = await connectMembers(system, members, { join: false });
  let more: typeof clients = [];
  try {
    await sleep(3000);
    const rssAfter = nodeRss(system);
    const heapAfter = heapBefore === undefined ? undefined : await nodeHeap(system);
    // After the full collection of the heap reading, like the first batch after its warm-up.
    await sleep(1000);
    const rssBeforeMore = nodeRss(system);
    more = (await connectMembers(system, further, { join: false })).clients;
    await sleep(3000);
    const furtherPerConnection = ratio(nodeRss(system) - rssBeforeMore, more.length);
    const held = clients.length + more.length;
    const idleCpuPerThousand = ratio(
      (await cpuPerSecond(system, IDLE_CPU_WINDOW_MS)) - baseline,
      held / 1000,
    );
    const result: IdleResult = {
      connections: clients.length,
      rssBefore,
      rssAfter,
      perConnection: ratio(rssAfter - rssBefore, clients.length),
      heapPerConnection:
        heapBefore === undefined || heapAfter === undefined
          ? undefined
          : ratio(heapAfter - heapBefore, clients.length),
      furtherPerConnection,
      idleCpuPerThousand,
    };
    log(
      `  ${clients.length} idle connections in ${(fillMs / 1000).toFixed(1)} s: node RSS ` +
        `${(rssBefore / 2 ** 20).toFixed(1)} -> ${(rssAfter / 2 ** 20).toFixed(1)} MiB, ` +
        `${(result.perConnection / 1024).toFixed(1)} KiB per connection` +
        (result.heapPerConnection === undefined
          ? ''
          : `; V8 heap kept after a full collection ${(result.heapPerConnection / 1024).toFixed(1)} KiB per connection`) +
        `; ${more.length} more add ${(furtherPerConnection / 1024).toFixed(1)} KiB of RSS each; ` +
        `holding ${held} idle, node CPU ${(idleCpuPerThousand / 1000).toFixed(1)} ms/s per 1,000 above its ` +
        `${(baseline / 1000).toFixed(1)} ms/s without them`,
    );
    return result;
  } finally {
    closeAll(clients);
    closeAll(more);
  }
}
