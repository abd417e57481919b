import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntil } from '@switchboard/service-kit';
import { dirs } from './layout.ts';

/** Start, find and stop detached processes by pid file, so any later command can manage them. */

function pidFile(name: string): string {
  return path.join(dirs.run, `${name}.pid`);
}

export function logFile(name: string): string {
  return path.join(dirs.logs, `${name}.log`);
}

function readPid(name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie answers signal 0 but is gone for every purpose here.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function runningPid(name: string): number | undefined {
  const pid = readPid(name);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export type SpawnSpec = {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
};

export function spawnDetached(spec: SpawnSpec): number {
  fs.mkdirSync(dirs.logs, { recursive: true });
  fs.mkdirSync(dirs.run, { recursive: true });
  const log = fs.openSync(logFile(spec.name), 'a');
  fs.writeSync(log, `\n--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  fs.writeFileSync(pidFile(spec.name), String(child.pid));
  return child.pid;
}

/** SIGTERM (or the given signal), wait up to `graceMs`, then SIGKILL. Resolves once it is gone. */
export async function stopProcess(name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000) {
  const pid = readPid(name);
  if (pid === undefined || !isAlive(pid)) {
    fs.rmSync(pidFile(name), { force: true });
    return;
  }
  signalGroup(pid, signal);
  const gone = () => !isAlive(pid);
  if (!(await waitUntil(gone, { timeoutMs: graceMs, intervalMs: 50 }))) {
    signalGroup(pid, 'SIGKILL');
    if (!(await waitUntil(gone, { timeoutMs: 30_000, intervalMs: 50 })))
      throw new Error(`${name} (pid ${pid}) survived SIGKILL for 30 s`);
  }
  fs.rmSync(pidFile(name), { force: true });
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  // Detached children lead their own process group; signal the group so helpers die too.
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
