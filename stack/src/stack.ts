import { waitUntil } from '@switchboard/service-kit';
import { cacheDir, HOST, portHint, ports, stackDir } from './layout.ts';
import { logFile, runningPid, spawnDetached, stopProcess } from './process-control.ts';
import { canConnect, waitFor } from './readiness.ts';
import type { Log, StackService } from './service.ts';
import { serviceByName, services } from './services/index.ts';

export type ServiceStatus = {
  name: string;
  description: string;
  port: number;
  pid: number | undefined;
  healthy: boolean;
  log: string;
};

const quiet: Log = () => {};

/** Starts one service unless it is already running and healthy; idempotent. */
export async function startService(service: StackService, log: Log = quiet): Promise<void> {
  const pid = runningPid(service.name);
  if (pid === undefined) {
    if (await canConnect(ports[service.port], HOST, 300)) {
      throw new Error(
        `port ${ports[service.port]} (${service.name}) is in use by another process; ${portHint(service.port)}`,
      );
    }
    await service.provision?.(log);
    log(`starting ${service.name} on ${HOST}:${ports[service.port]}`);
    const started = spawnDetached(service.spawn());
    await waitFor(service.name, service.ready, {
      timeoutMs: service.startTimeoutMs,
      isAlive: () => runningPid(service.name) === started,
      logHint: logFile(service.name),
    });
  } else {
    await waitFor(service.name, service.ready, {
      timeoutMs: service.startTimeoutMs,
      logHint: logFile(service.name),
    });
  }
  await service.afterReady?.(log);
}

export async function up(options: { only?: string[]; log?: Log } = {}): Promise<void> {
  const log = options.log ?? quiet;
  log(`stack folder ${stackDir} (downloads cached in ${cacheDir})`);
  const wanted = options.only ? closure(options.only) : services;
  // Services with no dependencies between them start in parallel; dependants wait for theirs.
  const started = new Map<string, Promise<void>>();
  const start = (service: StackService): Promise<void> => {
    let promise = started.get(service.name);
    if (!promise) {
      promise = Promise.all(service.dependsOn.map((d) => start(serviceByName(d)))).then(() =>
        startService(service, log),
      );
      started.set(service.name, promise);
    }
    return promise;
  };
  await Promise.all(wanted.map(start));
}

export async function down(options: { only?: string[]; log?: Log } = {}): Promise<void> {
  const log = options.log ?? quiet;
  const wanted = options.only ? options.only.map(serviceByName) : services;
  // Reverse order: clients stop before the servers they drain into.
  for (const service of [...wanted].reverse()) {
    if (runningPid(service.name) !== undefined) log(`stopping ${service.name}`);
    await stopProcess(service.name, service.stopSignal ?? 'SIGTERM', service.stopGraceMs);
  }
}

/**
 * Kills a service without letting it clean up (fault tests); resolves once its port is free, so
 * it can be started again at once (a killed process holds its port until it is gone).
 */
export async function kill(name: string): Promise<void> {
  const service = serviceByName(name);
  await stopProcess(service.name, 'SIGKILL', 5_000);
  const freed = await waitUntil(async () => !(await canConnect(ports[service.port], HOST, 300)), {
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  if (!freed) throw new Error(`${service.name}: port ${ports[service.port]} still held 10 s after kill`);
}

export async function status(): Promise<ServiceStatus[]> {
  return Promise.all(
    services.map(async (service) => {
      const pid = runningPid(service.name);
      return {
        name: service.name,
        description: service.description,
        port: ports[service.port],
        pid,
        healthy: pid !== undefined && (await service.ready()),
        log: logFile(service.name),
      };
    }),
  );
}

function closure(names: string[]): StackService[] {
  const out = new Map<string, StackService>();
  const visit = (name: string) => {
    const service = serviceByName(name);
    if (out.has(name)) return;
    service.dependsOn.forEach(visit);
    out.set(name, service);
  };
  names.forEach(visit);
  return services.filter((s) => out.has(s.name));
}
