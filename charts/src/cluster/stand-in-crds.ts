import fs from 'node:fs';
import path from 'node:path';

/**
 * CRDs of the two operators values-operators.yaml uses (Strimzi's KafkaTopic, CloudNativePG's
 * Cluster), as stand-ins that accept any spec: neither project's CRDs can be fetched here
 * (Strimzi is not a Go module; the module proxy refuses cloudnative-pg), so the cluster checks
 * that the release installs, upgrades and uninstalls with them, and the offline tests
 * (kubernetes-models) check their fields. Returns the manifest file it writes into `dir`.
 */
const kinds = [
  { group: 'kafka.strimzi.io', version: 'v1beta2', kind: 'KafkaTopic', plural: 'kafkatopics' },
  { group: 'postgresql.cnpg.io', version: 'v1', kind: 'Cluster', plural: 'clusters' },
];

export function standInCrds(dir: string): string {
  const file = path.join(dir, 'stand-in-crds.yaml');
  const docs = kinds.map(
    (k) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${k.plural}.${k.group}
  annotations:
    switchboard.dev/stand-in: "open schema; the real CRD is not reachable from here"
spec:
  group: ${k.group}
  scope: Namespaced
  names: { kind: ${k.kind}, plural: ${k.plural}, singular: ${k.kind.toLowerCase()}, listKind: ${k.kind}List }
  versions:
    - name: ${k.version}
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`,
  );
  fs.writeFileSync(file, docs.join('---\n'));
  return file;
}
