/** What the benchmark ran on, for the report: hardware, OS and the version of every component. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { kafkaSettings, repoRoot } from '@switchboard/stack';

export type MachineInfo = Array<[string, string]>;

export function machineInfo(k6Binary: string): MachineInfo {
  const cpus = os.cpus();
  const commit = run('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['status', '--porcelain']) ? ' (with uncommitted changes)' : '';
  return [
    ['CPU', `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown'}`],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    [
      'load average before the run',
      os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    ],
    ['OS', `${os.type()} ${os.release()} (${os.arch()})`],
    ['Node.js', process.version],
    ['k6', run(k6Binary, ['version']).split('\n')[0] ?? 'unknown'],
    ['Kafka', `${kafkaSettings.version} (KRaft, single node, ${kafkaSettings.partitions} partitions)`],
    [
      'Redis',
      run('redis-server', ['--version'])
        .split(' ')
        .find((w) => w.startsWith('v=')) ?? 'unknown',
    ],
    ['HAProxy', run('haproxy', ['-v']).split('\n')[0] ?? 'unknown'],
    ['commit', `${commit || 'unknown'}${dirty}`],
  ];
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}
