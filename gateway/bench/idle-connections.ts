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
 * heap kept after a full collection is measured too: what each connection holds.
 */
export type IdleResult = {
  connections: number;
  rssBefore: number;
  rssAfter: number;
  perConnection: number;
  /** V8 heap kept per connection, after a full collection; undefined unless reported. */
  heapPerConnection?: number;
};

const nodeRss = (system: SystemUnderTest) => system.nodes.reduce((sum, p) => sum + rssBytes(p.pid), 0);
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
  // A few connections first, so compiling the handshake path is not counted per connection.
  closeAll((await connectMembers(system, members.slice(0, 50), { join: false })).clients);
  await sleep(2000);
  const rssBefore = nodeRss(system);
  // After the RSS reading: a full collection may return pages to the system.
  const heapBefore = options.heap ? await nodeHeap(system) : undefined;
  const { clients, fillMs } = await connectMembers(system, members, { join: false });
  try {
    await sleep(3000);
    const rssAfter = nodeRss(system);
    const heapAfter = heapBefore === undefined ? undefined : await nodeHeap(system);
    const result: IdleResult = {
      connections: clients.length,
      rssBefore,
      rssAfter,
      perConnection: ratio(rssAfter - rssBefore, clients.length),
      heapPerConnection:
        heapBefore === undefined || heapAfter === undefined
          ? undefined
          : ratio(heapAfter - heapBefore, clients.length),
    };
    log(
      `  ${clients.length} idle connections in ${(fillMs / 1000).toFixed(1)} s: node RSS ` +
        `${(rssBefore / 2 ** 20).toFixed(1)} -> ${(rssAfter / 2 ** 20).toFixed(1)} MiB, ` +
        `${(result.perConnection / 1024).toFixed(1)} KiB per connection` +
        (result.heapPerConnection === undefined
          ? ''
          : `; V8 heap kept after a full collection ${(result.heapPerConnection / 1024).toFixed(1)} KiB per connection`),
    );
    return result;
  } finally {
    closeAll(clients);
  }
}
