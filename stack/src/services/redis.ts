import fs from 'node:fs';
import path from 'node:path';
import { dirs, HOST, ports } from '../layout.ts';
import { canConnect } from '../readiness.ts';
import type { StackService } from '../service.ts';

// No persistence: the streams adapter keeps only the recovery window in Redis, and tests
// restart Redis to prove that losing it loses nothing acknowledged.
export const redis: StackService = {
  name: 'redis',
  description: 'Redis (rooms, presence, rate limits, dedup)',
  port: 'redis',
  dependsOn: [],
  spawn: () => {
    const dir = path.join(dirs.data, 'redis');
    fs.mkdirSync(dir, { recursive: true });
    return {
      name: 'redis',
      command: 'redis-server',
      args: ['--port', String(ports.redis), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
    };
  },
  ready: () => canConnect(ports.redis),
  startTimeoutMs: 10_000,
  stopGraceMs: 5_000,
};
