import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../go-tools.ts';
import { binaries, KUBERNETES_VERSION, KWOK } from './components.ts';
import { clusterPids, runningCluster, startCluster, stopCluster } from './control-plane.ts';

/**
 * `make test-cluster`: one control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok) for every file of charts/test/cluster/, stopped by pid at the end,
 * with one summary line. Also `up`, `down` and `status` to keep one running by hand
 * (KUBECONFIG is printed).
 *   node --import tsx charts/src/cluster/cli.ts test|up|down|status|prefetch
 */
const tests = 'charts/test/cluster/*.test.ts';
const started = Date.now();
const seconds = (from: number) => `${Math.round((Date.now() - from) / 1000)} s`;
const say = (line: string) => console.log(`test-cluster: ${line}`);

async function up() {
  const cluster = await startCluster((line) => say(line));
  say(`kube-apiserver ${KUBERNETES_VERSION} ready at ${cluster.server} in ${seconds(started)}`);
  say(`KUBECONFIG=${cluster.kubeconfig}`);
}

async function test(): Promise<number> {
  let ready = Date.now();
  let status = 1;
  try {
    await up();
    ready = Date.now();
    const out = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', tests],
      { cwd: repoRoot, stdio: 'inherit' },
    );
    status = out.status ?? 1;
  } finally {
    await stopCluster();
  }
  const left = Object.entries(clusterPids()).filter(([, pid]) => pid !== undefined);
  say(
    `${status === 0 ? 'PASS' : 'FAIL'}: chart on kube-apiserver ${KUBERNETES_VERSION} + etcd + ` +
      `kube-controller-manager + kube-scheduler + ${path.basename(KWOK.split('@')[0]!)} ` +
      `${KWOK.split('@')[1]}: up in ${Math.round((ready - started) / 1000)} s, tests ${seconds(ready)}, ` +
      `total ${seconds(started)}; ` +
      `processes left running: ${left.length === 0 ? 'none' : left.map(([p]) => p).join(', ')}`,
  );
  return left.length === 0 ? status : 1;
}

const command = process.argv[2] ?? 'test';
if (command === 'test') process.exitCode = await test();
else if (command === 'up') await up();
else if (command === 'down') await stopCluster();
// CI builds the control plane's binaries in the background while the other tests run.
else if (command === 'prefetch') say(`binaries ready: ${Object.keys(binaries()).join(', ')}`);
else if (command === 'status') {
  const cluster = runningCluster();
  say(cluster ? `running at ${cluster.server}; KUBECONFIG=${cluster.kubeconfig}` : 'not running');
  for (const [p, pid] of Object.entries(clusterPids())) say(`${p}: ${pid ?? 'stopped'}`);
} else {
  console.error('usage: cli.ts test|up|down|status|prefetch');
  process.exitCode = 2;
}
