import { spawn } from 'node:child_process';
import { serviceEnv } from './layout.ts';
import { logFile } from './process-control.ts';
import { serviceByName, services } from './services/index.ts';
import { restartRedisNode } from './services/redis.ts';
import { down, kill, status, up } from './stack.ts';

const usage = `usage: stack <command> [service...]
  up [service...]      start the stack (or the named services and what they need); idempotent
  down [service...]    stop the stack (or the named services); leaves no process behind
  status               each process: pid, port, healthy, log file; exit 1 if any is unhealthy
  logs [service]       follow the log of one service, or of all
  kill <service>       SIGKILL one service (fault testing)
  restart-redis-node <n>
                       SIGKILL node n (1-3) of the Redis Cluster (SB_REDIS_CLUSTER=1); it comes
                       back empty at once; returns when the cluster is ok again (fault testing)
  env                  print the connection settings as shell variables`;

const log = (line: string) => console.log(`[stack] ${line}`);

async function main(argv: string[]): Promise<number> {
  const [command, ...names] = argv;
  const only = names.length > 0 ? names : undefined;
  switch (command) {
    case 'up': {
      const started = Date.now();
      await up({ only, log });
      log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return printStatus(only);
    }
    case 'down':
      await down({ only, log });
      log('down');
      return 0;
    case 'status':
      return printStatus();
    case 'logs': {
      const files = only
        ? only.map((n) => logFile(serviceByName(n).name))
        : services.map((s) => logFile(s.name));
      const tail = spawn('tail', ['-n', '50', '-F', ...files], { stdio: 'inherit' });
      return new Promise((resolve) => tail.on('exit', (code) => resolve(code ?? 0)));
    }
    case 'kill':
      if (names.length !== 1) break;
      await kill(names[0]!);
      return 0;
    case 'restart-redis-node':
      if (names.length !== 1 || !/^[1-3]$/.test(names[0]!)) break;
      await restartRedisNode(Number(names[0]));
      log(`redis node ${names[0]} restarted; the cluster is ok`);
      return 0;
    case 'env':
      for (const [k, v] of Object.entries(serviceEnv())) console.log(`export ${k}=${v}`);
      return 0;
  }
  console.error(usage);
  return 2;
}

/** Exit code 1 when any of the shown services (all, or the ones named) is unhealthy. */
async function printStatus(only?: string[]): Promise<number> {
  const rows = (await status()).filter((r) => !only || only.includes(r.name));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd([12, 7, 9, 9][i] ?? 0)).join(' ');
  console.log(line(['SERVICE', 'PORT', 'PID', 'STATE', 'LOG']));
  for (const r of rows) {
    const state = r.pid === undefined ? 'stopped' : r.healthy ? 'healthy' : 'UNHEALTHY';
    console.log(line([r.name, String(r.port), String(r.pid ?? '-'), state, r.log]));
  }
  return rows.every((r) => r.healthy) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[stack] error: ${err.message}`);
    process.exit(1);
  },
);
