/**
 * CPU time of the local stack's processes, read from /proc, so the benchmark can say what a
 * delivery costs the gateways (and what the load generator itself took from the same cores).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { runningPid, services } from '@switchboard/stack';

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** The fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

// Indexes into statFields: pgrp, utime, stime, cutime, cstime.
const PGRP = 2;
const UTIME = 11;
const STIME = 12;
const CUTIME = 13;
const CSTIME = 14;

/** User + system CPU seconds of one process (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[UTIME]) + Number(fields[STIME])) / clockTicks : 0;
}

/**
 * CPU seconds of a whole process group (a stack service is spawned as its own group): every
 * live member, plus the children the leader has already reaped (PostgreSQL backends, say).
 */
export function groupCpuSeconds(leader: number): number {
  const own = statFields(leader);
  if (!own) return 0;
  let ticks = Number(own[CUTIME]) + Number(own[CSTIME]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[PGRP]) === leader) ticks += Number(fields[UTIME]) + Number(fields[STIME]);
  }
  return ticks / clockTicks;
}

export type CpuSnapshot = Record<string, { pid: number; seconds: number }>;

/** CPU seconds of every running stack service (its process group), by service name. */
export function stackCpu(): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  for (const service of services) {
    const pid = runningPid(service.name);
    if (pid !== undefined) snapshot[service.name] = { pid, seconds: groupCpuSeconds(pid) };
  }
  return snapshot;
}

/** CPU seconds each service used between two snapshots (same process only). */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const used: Record<string, number> = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (start && start.pid === end.pid) used[name] = end.seconds - start.seconds;
  }
  return used;
}
