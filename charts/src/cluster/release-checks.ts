import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../helm.ts';
import type { Cluster } from './control-plane.ts';
import { get, helmOn, kubectl, list } from './kubectl.ts';

/** What a test control plane made of an installed release, checked object by object. */

const HOOK = 'helm.sh/hook';

/** Rendered objects the release keeps in the cluster (hooks and test pods are not kept). */
export function keptObjects(rendered: KubeObject[]): KubeObject[] {
  return rendered.filter((o) => !o.metadata.annotations?.[HOOK]);
}

/**
 * Where `live` lacks or changes something `rendered` says, as JSON paths. The API server only
 * adds to an object (defaults, status); a missing field means a CRD schema pruned it or the
 * server dropped it. Quantities may come back normalised (1000m -> 1), compared by value.
 */
export function differences(rendered: unknown, live: unknown, at = ''): string[] {
  if (rendered === null || rendered === undefined) return [];
  if (Array.isArray(rendered)) {
    if (!Array.isArray(live)) return [`${at}: not a list in the cluster`];
    return rendered.flatMap((item, i) => differences(item, live[i], `${at}[${i}]`));
  }
  if (typeof rendered === 'object') {
    if (live === null || typeof live !== 'object') return [`${at}: missing in the cluster`];
    return Object.entries(rendered as Record<string, unknown>).flatMap(([k, v]) =>
      differences(v, (live as Record<string, unknown>)[k], `${at}.${k}`),
    );
  }
  if (rendered === live || sameQuantity(rendered, live)) return [];
  return [`${at}: rendered ${JSON.stringify(rendered)}, cluster has ${JSON.stringify(live)}`];
}

function sameQuantity(a: unknown, b: unknown): boolean {
  const value = (q: unknown) => {
    const m = /^([0-9.]+)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
    if (!m) return Number.NaN;
    const scale: Record<string, number> = {
      m: 1e-3,
      Ki: 1024,
      Mi: 1024 ** 2,
      Gi: 1024 ** 3,
      k: 1e3,
      M: 1e6,
      G: 1e9,
    };
    return Number(m[1]) * (m[2] ? scale[m[2]]! : 1);
  };
  return typeof a !== 'boolean' && value(a) === value(b);
}

const selectorOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Every check of one installed release; `rendered` is what helm applied for it (releaseManifest). */
export function checkRelease(cluster: Cluster, namespace: string, rendered: KubeObject[]) {
  const kept = keptObjects(rendered);
  const pods = list(cluster, 'pods', namespace);

  // Every object is there with every field as rendered (nothing pruned by a CRD schema).
  for (const object of kept) {
    const kind = resourceOf(object);
    const live = get(cluster, kind, object.metadata.name, object.metadata.namespace ?? namespace);
    assert.ok(live, `${kind} ${object.metadata.name} exists`);
    for (const field of ['spec', 'data', 'rules', 'subjects', 'roleRef']) {
      assert.deepEqual(differences(object[field], live[field], field), [], `${kind} ${object.metadata.name}`);
    }
  }

  for (const d of kept.filter((o) => o.kind === 'Deployment')) {
    const live = get(cluster, 'deployment', d.metadata.name, namespace)!;
    assert.ok(live.status.replicas > 0, `${d.metadata.name} has pods`);
    assert.equal(live.status.availableReplicas, live.spec.replicas, `${d.metadata.name} available`);
    assert.equal(live.status.updatedReplicas, live.spec.replicas, `${d.metadata.name} up to date`);
    const own = pods.filter((p) => matches(d.spec.selector.matchLabels, p.metadata.labels));
    assert.ok(
      own.length >= live.spec.replicas && own.every((p) => p.status.phase === 'Running' && p.spec.nodeName),
      `${d.metadata.name}: its pods are scheduled and Running`,
    );
  }

  // Services select the pods: the endpointslice controller found ready endpoints.
  for (const s of kept.filter((o) => o.kind === 'Service' && o.spec.selector)) {
    const slices = list(
      cluster,
      'endpointslices',
      namespace,
      `kubernetes.io/service-name=${s.metadata.name}`,
    );
    const ready = slices.flatMap((e) => e.endpoints ?? []).filter((e) => e.conditions?.ready);
    assert.ok(ready.length > 0, `Service ${s.metadata.name} has ready endpoints`);
  }

  // PDBs: the disruption controller counts the pods they guard.
  for (const pdb of kept.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const live = get(cluster, 'pdb', pdb.metadata.name, namespace)!;
    assert.ok(
      live.status?.expectedPods > 0,
      `PDB ${pdb.metadata.name} guards pods (${live.status?.expectedPods})`,
    );
  }

  // NetworkPolicies select the app's pods.
  for (const np of kept.filter((o) => o.kind === 'NetworkPolicy')) {
    const selected = pods.filter((p) => matches(np.spec.podSelector.matchLabels ?? {}, p.metadata.labels));
    assert.ok(selected.length > 0, `NetworkPolicy ${np.metadata.name} selects pods`);
  }

  // HPAs: the controller resolved the scale target (AbleToScale), even with no metrics server.
  for (const hpa of kept.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const target = hpa.spec.scaleTargetRef;
    assert.ok(get(cluster, target.kind, target.name, namespace), `HPA ${hpa.metadata.name} target exists`);
  }

  // KEDA: ScaledObjects target a Deployment of the release and their TriggerAuthentication exists.
  for (const so of kept.filter((o) => o.kind === 'ScaledObject')) {
    assert.ok(get(cluster, 'deployment', so.spec.scaleTargetRef.name, namespace), 'ScaledObject target');
    for (const trigger of so.spec.triggers) {
      const auth = trigger.authenticationRef?.name;
      if (auth)
        assert.ok(
          get(cluster, 'triggerauthentication.keda.sh', auth, namespace),
          `TriggerAuthentication ${auth}`,
        );
    }
  }

  // HTTPRoute: sticky sessions kept (experimental channel), backends are Services with that port.
  for (const route of kept.filter((o) => o.kind === 'HTTPRoute')) {
    const live = get(cluster, 'httproute.gateway.networking.k8s.io', route.metadata.name, namespace)!;
    for (const rule of live.spec.rules) {
      assert.ok(
        rule.sessionPersistence?.sessionName,
        `HTTPRoute ${route.metadata.name} keeps sessionPersistence`,
      );
      for (const backend of rule.backendRefs) {
        const service = get(cluster, 'service', backend.name, namespace);
        assert.ok(
          service?.spec.ports.some((p: { port: number }) => p.port === backend.port),
          `HTTPRoute backend ${backend.name}:${backend.port}`,
        );
      }
    }
  }

  // ServiceMonitors select a Service of the release and name one of its ports.
  for (const sm of kept.filter((o) => o.kind === 'ServiceMonitor')) {
    const services = list(cluster, 'services', namespace, selectorOf(sm.spec.selector.matchLabels));
    assert.equal(services.length, 1, `ServiceMonitor ${sm.metadata.name} selects one Service`);
    for (const endpoint of sm.spec.endpoints) {
      assert.ok(
        services[0]!.spec.ports.some((p: { name: string }) => p.name === endpoint.port),
        `ServiceMonitor ${sm.metadata.name} port ${endpoint.port}`,
      );
    }
  }

  for (const rule of kept.filter((o) => o.kind === 'PrometheusRule')) {
    const live = get(cluster, 'prometheusrule.monitoring.coreos.com', rule.metadata.name, namespace)!;
    assert.ok(
      live.spec.groups.flatMap((g: { rules: unknown[] }) => g.rules).length > 0,
      'alert rules stored',
    );
  }

  for (const cm of kept.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard)) {
    const ns = cm.metadata.namespace ?? namespace;
    const live = get(cluster, 'configmap', cm.metadata.name, ns)!;
    for (const json of Object.values(live.data as Record<string, string>)) assert.ok(JSON.parse(json).panels);
  }
}

/** The objects helm applied for the release's current revision (`helm get manifest`; no hooks). */
export function releaseManifest(cluster: Cluster, release: string, namespace: string): KubeObject[] {
  const out = helmOn(cluster, ['get', 'manifest', release, '-n', namespace]);
  assert.equal(out.status, 0, out.stderr);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** The hooks of the release's last run (helm status), e.g. the migration Job. */
export function hookRuns(cluster: Cluster, release: string, namespace: string) {
  const out = helmOn(cluster, ['status', release, '-n', namespace, '-o', 'json']);
  assert.equal(out.status, 0, out.stderr);
  const status = JSON.parse(out.stdout) as {
    version: number;
    hooks?: {
      kind: string;
      name: string;
      events: string[];
      last_run?: { phase: string; started_at: string };
    }[];
  };
  return { revision: status.version, hooks: status.hooks ?? [] };
}

/** The pod-template hashes of a Deployment's pods (one after a finished rollout). */
export function templateHashes(cluster: Cluster, deployment: string, namespace: string): string[] {
  const d = get(cluster, 'deployment', deployment, namespace)!;
  const pods = list(cluster, 'pods', namespace, selectorOf(d.spec.selector.matchLabels));
  return [...new Set(pods.map((p) => p.metadata.labels['pod-template-hash'] as string))].sort();
}

/** What is left in a namespace after uninstall, but what every namespace has. */
export function leftovers(cluster: Cluster, namespace: string): string[] {
  const types = kubectl(cluster, ['api-resources', '--verbs=list', '--namespaced', '-o', 'name']);
  assert.equal(types.status, 0, types.stderr);
  const kinds = types.stdout
    .split('\n')
    .filter((k) => k && !/^(events|events\.events\.k8s\.io)$/.test(k))
    .join(',');
  const out = kubectl(cluster, ['get', kinds, '-n', namespace, '-o', 'name']);
  assert.equal(out.status, 0, out.stderr);
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .filter((n) => !['serviceaccount/default', 'configmap/kube-root-ca.crt'].includes(n));
}

/** `Kind.version.group` (core: `Kind`), what kubectl resolves unambiguously. */
export function resourceOf(object: KubeObject): string {
  const [group, version] = object.apiVersion.split('/');
  return version ? `${object.kind}.${version}.${group}` : object.kind;
}

function matches(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
