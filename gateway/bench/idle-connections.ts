import { ratio } from './bench-stats.ts';
import { closeAll, connectMembers, sleep } from './load-clients.ts';
import { rssBytes } from './process-stats.ts';
import type { SystemUnderTest } from './systems.ts';

/**
 * Memory per idle connection: the node's RSS before and after `count` connections that only
 * connected (handshake done, no room), once they have settled. RSS grows only where the heap
 * has no free room, so the caller starts the node fresh.
 */
export type IdleResult = { connections: number; rssBefore: number; rssAfter: number; perConnection: number };

const nodeRss = (system: SystemUnderTest) => system.nodes.reduce((sum, p) => sum + rssBytes(p.pid), 0);

export async function runIdleConnections(
  system: SystemUnderTest,
  count: number,
  log: (line: string) => void,
): Promise<IdleResult> {
  const members = Array.from({ length: count }, (_, i) => ({ user: `bench-i${i}`, room: '' }));
  // A few connections first, so compiling the handshake path is not counted per connection.
  closeAll((await connectMembers(system, members.slice(0, 50), { join: false })).clients);
  await sleep(2000);
  const rssBefore = nodeRss(system);
  const { clients, fillMs } = await connectMembers(system, members, { join: false });
  try {
    await sleep(3000);
    const rssAfter = nodeRss(system);
    const result = {
      connections: clients.length,
      rssBefore,
      rssAfter,
      perConnection: ratio(rssAfter - rssBefore, clients.length),
    };
    log(
      `  ${clients.length} idle connections in ${(fillMs / 1000).toFixed(1)} s: node RSS ` +
        `${(rssBefore / 2 ** 20).toFixed(1)} -> ${(rssAfter / 2 ** 20).toFixed(1)} MiB, ` +
        `${(result.perConnection / 1024).toFixed(1)} KiB per connection`,
    );
    return result;
  } finally {
    closeAll(clients);
  }
}
