import path from 'node:path';
import { HOST, ports, repoRoot, serviceEnv } from '../layout.ts';
import { httpOk } from '../readiness.ts';
import type { StackService } from '../service.ts';

/** One persister draining the messages topic into PostgreSQL (the chart scales it by lag). */
export const persister: StackService = {
  name: 'persister',
  description: 'persister (Kafka -> PostgreSQL, consumer group switchboard-persister)',
  port: 'persister',
  dependsOn: ['postgres', 'kafka'],
  spawn: () => ({
    name: 'persister',
    // The Node that runs the stack is Node 24 (scripts/ensure-node.sh): it runs TypeScript as is.
    command: process.execPath,
    args: [path.join(repoRoot, 'persister', 'src', 'main.ts')],
    cwd: repoRoot,
    env: {
      ...serviceEnv(),
      PORT: String(ports.persister),
      HOST,
      // A restarted local persister gets its partitions back sooner than the 30 s default.
      KAFKA_SESSION_TIMEOUT_MS: '10000',
      WRITE_TIMEOUT_MS: '5000',
      SHUTDOWN_GRACE_MS: '10000',
    },
  }),
  ready: () => httpOk(`http://${HOST}:${ports.persister}/readyz`),
  startTimeoutMs: 60_000,
  stopGraceMs: 15_000,
};
