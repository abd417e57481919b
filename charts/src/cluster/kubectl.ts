import { spawnSync } from 'node:child_process';
import { goTool, goTools } from '../go-tools.ts';
import type { KubeObject } from '../helm.ts';

/** The clients of the test control plane: kubectl of the same Kubernetes build, and helm. */
type Target = { kubeconfig: string; bin: { kubectl: string } };
export type Run = { status: number | null; stdout: string; stderr: string };

function run(command: string, args: string[], kubeconfig: string, input?: string): Run {
  const out = spawnSync(command, args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000,
  });
  return { status: out.status, stdout: out.stdout ?? '', stderr: `${out.stderr ?? ''}${out.error ?? ''}` };
}

export function kubectl(cluster: Target, args: string[], input?: string): Run {
  return run(cluster.bin.kubectl, args, cluster.kubeconfig, input);
}

export function helmOn(cluster: Target, args: string[]): Run {
  return run(goTool(goTools.helm), args, cluster.kubeconfig);
}

/** Objects of a kind in a namespace (`kubectl get -o json`), or throws with kubectl's message. */
export function list(cluster: Target, kind: string, namespace: string, selector?: string): KubeObject[] {
  const out = kubectl(cluster, [
    'get',
    kind,
    '-n',
    namespace,
    '-o',
    'json',
    ...(selector ? ['-l', selector] : []),
  ]);
  if (out.status !== 0) throw new Error(`kubectl get ${kind}: ${out.stderr}`);
  return (JSON.parse(out.stdout) as { items: KubeObject[] }).items;
}

export function get(cluster: Target, kind: string, name: string, namespace: string): KubeObject | undefined {
  const out = kubectl(cluster, ['get', kind, name, '-n', namespace, '-o', 'json', '--ignore-not-found']);
  if (out.status !== 0) throw new Error(`kubectl get ${kind}/${name}: ${out.stderr}`);
  return out.stdout.trim() ? (JSON.parse(out.stdout) as KubeObject) : undefined;
}
