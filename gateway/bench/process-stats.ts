import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** CPU time and memory of server processes, read from /proc (Linux). */

const clockTick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU time (user + system) of a process in microseconds. With `reapedChildren`, also the CPU of
 * children it has already waited for (PostgreSQL's backends come and go during a run; the
 * postmaster reaps them, so their time moves into its cutime/cstime and stays counted).
 */
export function cpuMicros(pid: number, reapedChildren = false): number {
  const f = statFields(pid);
  // utime, stime, cutime, cstime: fields 14-17 of proc(5), 11-14 after the name.
  const ticks = Number(f[11]) + Number(f[12]) + (reapedChildren ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1e6) / clockTick;
}

/** The live children of a process. */
export function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === parent) children.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return children;
}

/** A process tree's CPU: the parent, its live children and the ones it reaped. */
export function treeCpuMicros(parent: number): number {
  let total = cpuMicros(parent, true);
  for (const child of childPids(parent)) {
    try {
      total += cpuMicros(child);
    } catch {
      // Exited (and reaped into the parent's total) since the listing.
    }
  }
  return total;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}

/**
 * Bytes a process has read so far (`rchar` of /proc/<pid>/io): every read call, sockets
 * included, so it counts what Redis sent a gateway.
 */
export function readBytes(pid: number): number {
  const rchar = /^rchar: (\d+)/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1];
  if (rchar === undefined) throw new Error(`no rchar for pid ${pid}`);
  return Number(rchar);
}

/** A server process measured by the benchmark, under the name the table uses. */
export type ServerProcess = { name: string; pid: number; cpuMicros: () => number };

export function serverProcess(name: string, pid: number, tree = false): ServerProcess {
  return { name, pid, cpuMicros: () => (tree ? treeCpuMicros(pid) : cpuMicros(pid)) };
}

/** CPU of each process over a stretch of time: call the result to get microseconds per process. */
export function cpuMeter(processes: readonly ServerProcess[]): () => Map<string, number> {
  const before = new Map(processes.map((p) => [p.name, p.cpuMicros()]));
  return () => new Map(processes.map((p) => [p.name, p.cpuMicros() - (before.get(p.name) ?? 0)]));
}

/** Bytes each process read over a stretch of time: call the result to get them per process. */
export function readMeter(processes: readonly ServerProcess[]): () => Map<string, number> {
  const before = new Map(processes.map((p) => [p.name, readBytes(p.pid)]));
  return () => new Map(processes.map((p) => [p.name, readBytes(p.pid) - (before.get(p.name) ?? 0)]));
}

/** This process' own CPU (the load generator, every thread) over a stretch of time, in microseconds. */
export function selfCpuMeter(): () => number {
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return used.user + used.system;
  };
}

/**
 * How busy the whole machine is: the load average and, where the kernel reports it (PSI), the
 * share of the last minute in which some task waited for a core. On a contended machine a
 * process does more per wake-up, so its CPU per message reads lower than on an idle one.
 */
export function machineLoad(): string {
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  let pressure = '';
  try {
    const avg60 = /^some .*avg60=([\d.]+)/m.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))?.[1];
    if (avg60 !== undefined)
      pressure = `, CPU pressure ${Number(avg60).toFixed(0)}% (some task waiting for a core, last 60 s)`;
  } catch {
    // No PSI in this kernel.
  }
  return `load average ${load}${pressure}`;
}

/** Node flags that make a process answer heapUsedAfterGc (heap-report.ts). */
export const HEAP_REPORT_FLAGS = [
  '--expose-gc',
  `--import=${new URL('./heap-report.ts', import.meta.url).pathname}`,
];

/** The V8 heap a node started with HEAP_REPORT_FLAGS keeps after a full collection. */
export async function heapUsedAfterGc(pid: number): Promise<number> {
  const dir = heapReportDir();
  const file = path.join(dir, `heap-${pid}.json`);
  fs.rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (fs.existsSync(file))
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { heapUsed: number }).heapUsed;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`process ${pid} wrote no heap report: was it started with HEAP_REPORT_FLAGS?`);
}

/** Where reporting nodes write (their environment's SB_BENCH_HEAP_DIR; this process sets it for its children). */
export function heapReportDir(): string {
  process.env.SB_BENCH_HEAP_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-heap-'));
  return process.env.SB_BENCH_HEAP_DIR;
}
