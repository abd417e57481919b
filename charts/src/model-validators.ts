import type { KubeObject } from './helm.ts';

type Validatable = { validate(): void };
// `never`: each model constructor takes its own typed shape; rendered objects are checked at run time.
type ModelClass = new (data: never) => Validatable;

/**
 * kubernetes-models validators (generated from the same OpenAPI definitions and from each
 * project's CRDs) by apiVersion and kind. They check types, enums, required fields and
 * patterns; they allow unknown fields, which kubeconform's strict mode catches for built-in
 * kinds. Custom resources of operators without a published model (Strimzi KafkaTopic,
 * CloudNativePG Cluster) are listed in `unmodelled`.
 */
const loaders: Record<string, () => Promise<ModelClass>> = {
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap,
  'v1/Secret': async () => (await import('kubernetes-models/v1/Secret')).Secret,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service,
  'v1/ServiceAccount': async () => (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount,
  'v1/Pod': async () => (await import('kubernetes-models/v1/Pod')).Pod,
  'v1/Namespace': async () => (await import('kubernetes-models/v1/Namespace')).Namespace,
  'v1/PersistentVolumeClaim': async () =>
    (await import('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
  'apps/v1/StatefulSet': async () => (await import('kubernetes-models/apps/v1/StatefulSet')).StatefulSet,
  'batch/v1/Job': async () => (await import('kubernetes-models/batch/v1/Job')).Job,
  'policy/v1/PodDisruptionBudget': async () =>
    (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': async () =>
    (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')).HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': async () =>
    (await import('kubernetes-models/networking.k8s.io/v1/Ingress')).Ingress,
  'networking.k8s.io/v1/NetworkPolicy': async () =>
    (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy,
  'gateway.networking.k8s.io/v1/HTTPRoute': async () =>
    (await import('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute')).HTTPRoute,
  'gateway.networking.k8s.io/v1/Gateway': async () =>
    (await import('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway')).Gateway,
  'gateway.networking.k8s.io/v1/GatewayClass': async () =>
    (await import('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GatewayClass')).GatewayClass,
  'monitoring.coreos.com/v1/ServiceMonitor': async () =>
    (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'))
      .ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': async () =>
    (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'))
      .PrometheusRule,
  'keda.sh/v1alpha1/ScaledObject': async () =>
    (await import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject')).ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': async () =>
    (await import('@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication')).TriggerAuthentication,
};

/** Custom resources with no published schema package; checked structurally by the tests. */
export const unmodelled = new Set([
  'kafka.strimzi.io/v1beta2/KafkaTopic',
  'postgresql.cnpg.io/v1/Cluster',
  'gateway.envoyproxy.io/v1alpha1/EnvoyProxy',
]);

/** Custom resource kinds (validated here, skipped by kubeconform, which has no schema for them). */
export const customKinds = [
  'HTTPRoute',
  'Gateway',
  'GatewayClass',
  'ServiceMonitor',
  'PrometheusRule',
  'ScaledObject',
  'TriggerAuthentication',
];

export function typeKey(o: KubeObject): string {
  return `${o.apiVersion}/${o.kind}`;
}

export function hasModel(o: KubeObject): boolean {
  return typeKey(o) in loaders;
}

/** Validation errors of one object (empty when valid). */
export async function modelErrors(o: KubeObject): Promise<string[]> {
  const load = loaders[typeKey(o)];
  if (!load) return [`no kubernetes-models validator for ${typeKey(o)}`];
  const Model = await load();
  try {
    new Model(o as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}
