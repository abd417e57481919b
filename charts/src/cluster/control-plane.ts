import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntil } from '@switchboard/service-kit';
import { dirs, freePort, httpOk, logFile, runningPid, stackDir } from '../../../stack/src/index.ts';
import { spawnDetached, stopProcess } from '../../../stack/src/process-control.ts';
import { type Binaries, binaries, crdFiles, kwokStageConfig } from './components.ts';
import { kubectl } from './kubectl.ts';
import { standInCrds } from './stand-in-crds.ts';

/**
 * A real Kubernetes control plane on 127.0.0.1, as plain processes: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, and kwok, whose fake nodes run no containers but take
 * pods through their lifecycle (Running, Job pods Succeeded, deleted). No kubelet: it would
 * change the machine's kernel settings. Ports are free ones; pid files and logs live with the
 * stack's (`cluster-*`), so any later command can stop what an earlier one started.
 */
export type Cluster = {
  kubeconfig: string;
  server: string;
  bin: Binaries;
};

const processes = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
const procName = (p: (typeof processes)[number]) => `cluster-${p}`;
const home = () => path.join(stackDir, 'cluster');
const stateFile = () => path.join(home(), 'cluster.json');

/** Fake nodes, one per zone, so spread constraints have somewhere to spread. */
const NODES = ['sb-node-a', 'sb-node-b', 'sb-node-c'];

/** The running control plane, if every process of it is alive. */
export function runningCluster(): Cluster | undefined {
  if (!fs.existsSync(stateFile())) return undefined;
  if (!processes.every((p) => runningPid(procName(p)) !== undefined)) return undefined;
  return JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as Cluster;
}

/** Starts a fresh control plane (stopping a previous one), with the CRDs and fake nodes. */
export async function startCluster(log: (line: string) => void = () => {}): Promise<Cluster> {
  await stopCluster();
  const bin = binaries();
  fs.rmSync(home(), { recursive: true, force: true });
  const pki = path.join(home(), 'pki');
  fs.mkdirSync(pki, { recursive: true });

  // Service-account token signing key, and one static admin token for every client.
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saKey = path.join(pki, 'sa.key');
  const saPub = path.join(pki, 'sa.pub');
  fs.writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  const token = crypto.randomBytes(24).toString('hex');
  const tokens = path.join(pki, 'tokens.csv');
  fs.writeFileSync(tokens, `${token},admin,admin,system:masters\n`, { mode: 0o600 });

  const [etcdPort, etcdPeerPort, apiPort, kwokPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = path.join(home(), 'kubeconfig');
  fs.writeFileSync(kubeconfig, kubeconfigYaml(server, token), { mode: 0o600 });
  const cluster: Cluster = { kubeconfig, server, bin };

  log(`etcd on 127.0.0.1:${etcdPort}`);
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  start('etcd', bin.etcd, [
    '--name=sb',
    `--data-dir=${path.join(home(), 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=sb=${peerUrl}`,
  ]);
  await ready('etcd', () => httpOk(`${etcdUrl}/health`));

  log(`kube-apiserver ${server}`);
  start('kube-apiserver', bin.kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${pki}`,
    `--token-auth-file=${tokens}`,
    '--authorization-mode=RBAC',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${saPub}`,
    `--service-account-signing-key-file=${saKey}`,
    // No kubelet registers this host as an endpoint of the `kubernetes` Service.
    '--endpoint-reconciler-type=none',
    // Debian's etcd (3.4) has no watch progress requests, so streaming lists cannot be served;
    // refused up front, clients (kwok's pod informer) fall back to list and watch, instead of
    // losing every watch and seeing new pods only on a relist.
    '--feature-gates=WatchList=false',
  ]);
  await ready('kube-apiserver', async () => kubectl(cluster, ['get', '--raw=/readyz']).status === 0);

  log('kube-controller-manager, kube-scheduler, kwok');
  start('kube-controller-manager', bin.kubeControllerManager, [
    `--kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    `--service-account-private-key-file=${saKey}`,
    `--root-ca-file=${path.join(pki, 'apiserver.crt')}`,
    '--use-service-account-credentials=false',
    // Quick rollouts: the test waits on them.
    '--concurrent-deployment-syncs=10',
  ]);
  start('kube-scheduler', bin.kubeScheduler, [
    `--kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
  ]);
  const stages = path.join(home(), 'kwok-stages.yaml');
  fs.writeFileSync(stages, kwokStageConfig());
  start('kwok', bin.kwok, [
    `--kubeconfig=${kubeconfig}`,
    `--config=${stages}`,
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    `--server-address=127.0.0.1:${kwokPort}`,
  ]);

  log('CRDs (server-side apply) and fake nodes');
  const crds = [...crdFiles(), standInCrds(home())];
  mustSucceed(kubectl(cluster, ['apply', '--server-side', ...crds.flatMap((f) => ['-f', f])]), 'apply CRDs');
  mustSucceed(
    kubectl(cluster, ['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all']),
    'CRDs established',
  );
  mustSucceed(kubectl(cluster, ['apply', '-f', '-'], nodesYaml()), 'create fake nodes');
  await ready(
    'fake nodes',
    async () =>
      kubectl(cluster, ['wait', '--for=condition=Ready', '--timeout=5s', 'node', '--all']).status === 0,
  );
  // Namespaces get their default ServiceAccount from the controller-manager: wait for it once.
  await ready(
    'default ServiceAccount',
    async () => kubectl(cluster, ['get', 'serviceaccount', 'default']).status === 0,
  );
  fs.writeFileSync(stateFile(), JSON.stringify(cluster, null, 2));
  return cluster;
}

/** Stops every process of the control plane by its pid, the apiserver before etcd. */
export async function stopCluster(): Promise<void> {
  for (const p of [...processes].reverse()) await stopProcess(procName(p));
  fs.rmSync(stateFile(), { force: true });
}

/** Pids of the control plane's processes that are running. */
export function clusterPids(): Record<string, number | undefined> {
  return Object.fromEntries(processes.map((p) => [p, runningPid(procName(p))]));
}

function start(p: (typeof processes)[number], command: string, args: string[]) {
  spawnDetached({ name: procName(p), command, args });
}

/** Waits for `check`, failing at once (with the log to read) when a started process has exited. */
async function ready(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (await check().catch(() => false)) return;
    const dead = processes.find((p) => wasStarted(p) && runningPid(procName(p)) === undefined);
    if (dead) throw new Error(`${dead} exited while waiting for ${what}; see ${logFile(procName(dead))}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after 180 s; see ${dirs.logs}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function wasStarted(p: (typeof processes)[number]): boolean {
  return fs.existsSync(path.join(dirs.run, `${procName(p)}.pid`));
}

function mustSucceed(out: { status: number | null; stdout: string; stderr: string }, what: string) {
  if (out.status !== 0) throw new Error(`${what} failed: ${out.stderr || out.stdout}`);
}

function kubeconfigYaml(server: string, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: switchboard-test
    cluster:
      server: ${server}
      # The apiserver's self-signed serving certificate, on 127.0.0.1 only.
      insecure-skip-tls-verify: true
users:
  - name: admin
    user:
      token: ${token}
contexts:
  - name: switchboard-test
    context: { cluster: switchboard-test, user: admin }
current-context: switchboard-test
`;
}

function nodesYaml(): string {
  return NODES.map(
    (name, i) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/zone: zone-${'abc'[i]}
status:
  allocatable: { cpu: "32", memory: 128Gi, pods: "110" }
  capacity: { cpu: "32", memory: 128Gi, pods: "110" }
`,
  ).join('---\n');
}

/** Waits until `check` holds, polling; throws `what` with the last state when it never does. */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  let last: T | undefined;
  const ok = await waitUntil(
    async () => {
      last = await probe();
      return check(last);
    },
    { timeoutMs, intervalMs: 500 },
  );
  if (!ok)
    throw new Error(`${what}: not after ${timeoutMs} ms (last: ${JSON.stringify(last)?.slice(0, 2000)})`);
  return last as T;
}
