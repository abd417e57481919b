import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { kafkaSettings, postgresSettings } from '../../stack/src/layout.ts';
import { repoRoot } from '../src/go-tools.ts';
import { examplePath, type KubeObject, only, render } from '../src/helm.ts';
import { kubeconform } from '../src/kubernetes-schemas.ts';
import { customKinds, hasModel, modelErrors, typeKey, unmodelled } from '../src/model-validators.ts';

const k8sFiles = [
  'k8s/dev/valkey.yaml',
  'k8s/dev/kafka.yaml',
  'k8s/dev/postgres.yaml',
  'k8s/gateway/envoy-gateway.yaml',
];

function objectsOf(file: string): KubeObject[] {
  return parseAllDocuments(fs.readFileSync(path.join(repoRoot, file), 'utf8')).map(
    (d) => d.toJS() as KubeObject,
  );
}

describe('k8s/: the kind cluster’s dependencies are valid and are what values-kind.yaml points at', () => {
  const all = k8sFiles.flatMap(objectsOf);

  test('kubeconform -strict and kubernetes-models validate every manifest', async () => {
    const results = kubeconform(
      k8sFiles.map((f) => path.join(repoRoot, f)),
      [...customKinds, 'EnvoyProxy'],
    );
    assert.deepEqual(
      results
        .filter((r) => r.status === 'statusInvalid' || r.status === 'statusError')
        .map((r) => `${r.kind}: ${r.msg}`),
      [],
    );
    for (const o of all) {
      if (unmodelled.has(typeKey(o))) continue;
      assert.ok(hasModel(o), typeKey(o));
      assert.deepEqual(await modelErrors(o), [], `${o.kind}/${o.metadata.name}`);
    }
    const envoyProxy = all.find((o) => o.kind === 'EnvoyProxy');
    assert.equal(envoyProxy?.spec.provider.kubernetes.envoyService.type, 'NodePort');
  });

  test('the Gateway publishes on the NodePort that kind maps to the laptop', () => {
    const kind = parse(fs.readFileSync(path.join(repoRoot, 'k8s/kind-config.yaml'), 'utf8'));
    const mapped = kind.nodes.flatMap((n: { extraPortMappings?: { containerPort: number }[] }) =>
      (n.extraPortMappings ?? []).map((m) => m.containerPort),
    );
    const envoyProxy = all.find((o) => o.kind === 'EnvoyProxy')!;
    const nodePort = envoyProxy.spec.provider.kubernetes.envoyService.patch.value.spec.ports[0].nodePort;
    assert.ok(mapped.includes(nodePort));
    const gateway = all.find((o) => o.kind === 'Gateway')!;
    const route = only(render({ valuesFiles: [examplePath('values-kind.yaml')] }), 'HTTPRoute');
    assert.deepEqual(route.spec.parentRefs, [
      {
        name: gateway.metadata.name,
        namespace: gateway.metadata.namespace,
        sectionName: gateway.spec.listeners[0].name,
      },
    ]);
  });

  test('Kafka runs the local stack’s version and creates both topics with its partition count', () => {
    const kafka = all.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'kafka')!;
    assert.equal(kafka.spec.template.spec.containers[0].image, `apache/kafka:${kafkaSettings.version}`);
    const job = all.find((o) => o.kind === 'Job' && o.metadata.name === 'kafka-topics')!;
    const script = job.spec.template.spec.containers[0].args[0] as string;
    for (const topic of [kafkaSettings.topic, kafkaSettings.dlqTopic])
      assert.ok(script.includes(topic), topic);
    assert.ok(script.includes(`--partitions ${kafkaSettings.partitions}`));
    const values = parse(fs.readFileSync(examplePath('values-kind.yaml'), 'utf8'));
    assert.equal(values.kafka.partitions, kafkaSettings.partitions);
  });

  test('values-kind.yaml connects to the dev Services with the dev credentials', () => {
    const values = parse(fs.readFileSync(examplePath('values-kind.yaml'), 'utf8'));
    const service = (name: string) => all.find((o) => o.kind === 'Service' && o.metadata.name === name)!;
    const redis = new URL(values.redis.url);
    assert.equal(Number(redis.port), service(redis.hostname).spec.ports[0].port);
    const [host, port] = values.kafka.brokers[0].split(':');
    assert.equal(Number(port), service(host).spec.ports[0].port);
    const db = new URL(values.postgresql.url);
    assert.equal(Number(db.port), service(db.hostname).spec.ports[0].port);
    const secret = all.find((o) => o.kind === 'Secret' && o.metadata.name === 'postgres')!.stringData;
    assert.deepEqual(
      [db.username, db.password, db.pathname.slice(1)],
      [secret.POSTGRES_USER, secret.POSTGRES_PASSWORD, secret.POSTGRES_DB],
    );
    assert.equal(secret.POSTGRES_DB, postgresSettings.database);
  });
});
