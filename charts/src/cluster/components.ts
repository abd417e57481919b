import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { goTool, repoRoot } from '../go-tools.ts';

/**
 * What the test control plane is made of, pinned: Kubernetes built from its Go module, kwok for
 * fake nodes, and the CRDs of the APIs the chart uses, each from the Go module that publishes
 * them. Everything is fetched through the Go module proxy and cached (.stack/cache, GOMODCACHE).
 */
export const KUBERNETES_VERSION = 'v1.37.2';
export const KWOK = 'sigs.k8s.io/kwok/cmd/kwok@v0.8.0';

/** CRD folders (or files) inside Go modules; applied with server-side apply. */
const crdSources = [
  // The experimental channel: HTTPRoute's sessionPersistence (sticky sessions) lives there.
  { module: 'sigs.k8s.io/gateway-api@v1.6.3', paths: ['config/crd/experimental'] },
  {
    module: 'github.com/prometheus-operator/prometheus-operator@v0.85.0',
    paths: [
      'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml',
      'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml',
      'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml',
    ],
  },
  { module: 'github.com/kedacore/keda/v2@v2.21.0', paths: ['config/crd/bases'] },
] as const;

/** The kwok stages that make fake nodes Ready and their pods Running (Job pods: Succeeded). */
const kwokStages = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat/node-heartbeat.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
];

export type Binaries = {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
};

/** The folder of a Go module at a version, downloaded once through the module proxy. */
export function moduleDir(spec: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', spec], {
    encoding: 'utf8',
    cwd: repoRoot,
    env: { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' },
  });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/** Every binary of the control plane, building what is not cached yet (minutes, once). */
export function binaries(): Binaries {
  const etcd = ['/usr/bin/etcd', '/usr/local/bin/etcd'].find((p) => fs.existsSync(p));
  if (!etcd) {
    throw new Error('etcd is not installed: run scripts/install-system-packages.sh cluster (as root)');
  }
  const kube = execFileSync(path.join(repoRoot, 'scripts', 'ensure-kube-binaries.sh'), [KUBERNETES_VERSION], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 60 * 60_000,
  }).trim();
  return {
    etcd,
    kubeApiserver: path.join(kube, 'kube-apiserver'),
    kubeControllerManager: path.join(kube, 'kube-controller-manager'),
    kubeScheduler: path.join(kube, 'kube-scheduler'),
    kubectl: path.join(kube, 'kubectl'),
    kwok: goTool(KWOK),
  };
}

/** The CRD manifest files to install, in order. */
export function crdFiles(): string[] {
  return crdSources.flatMap(({ module, paths }) => {
    const dir = moduleDir(module);
    return paths.flatMap((p) => {
      const full = path.join(dir, p);
      if (!fs.statSync(full).isDirectory()) return [full];
      return fs
        .readdirSync(full)
        .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !f.includes('_vap_'))
        .sort()
        .map((f) => path.join(full, f));
    });
  });
}

/** kwok's stage definitions, from its module, as one multi-document config. */
export function kwokStageConfig(): string {
  const dir = moduleDir(KWOK.replace('/cmd/kwok@', '@'));
  return kwokStages.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n---\n');
}
