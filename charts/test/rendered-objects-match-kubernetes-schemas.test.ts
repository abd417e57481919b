import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { KUBE_VERSION, render, renderings } from '../src/helm.ts';
import { type KubeconformResult, kubeconform } from '../src/kubernetes-schemas.ts';
import { customKinds, hasModel, modelErrors, typeKey, unmodelled } from '../src/model-validators.ts';

describe(`every rendered object is valid for Kubernetes ${KUBE_VERSION} (offline)`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-chart-'));
  const fileOf = (name: string) => path.join(dir, `${name}.yaml`);
  let results: KubeconformResult[] = [];

  before(() => {
    // One kubeconform run for every rendering: compiling the schemas is the slow part.
    for (const { name, options } of renderings()) {
      fs.writeFileSync(
        fileOf(name),
        render(options)
          .map((o) => `---\n${stringify(o)}`)
          .join(''),
      );
    }
    // A control: the gateway Deployment with one misspelt field must be rejected.
    const gateway = render().find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-gateway'))!;
    const misspelt = structuredClone(gateway);
    misspelt.spec.template.spec.containers[0].readinesProbe =
      misspelt.spec.template.spec.containers[0].readinessProbe;
    fs.writeFileSync(fileOf('control'), `---\n${stringify(misspelt)}`);
    results = kubeconform(
      [...renderings().map((r) => fileOf(r.name)), fileOf('control')],
      [...customKinds, 'KafkaTopic', 'Cluster'],
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('kubeconform rejects an unknown field (the schemas are strict)', () => {
    const control = results.filter((r) => r.filename === fileOf('control'));
    assert.equal(control.length, 1);
    assert.equal(control[0]!.status, 'statusInvalid');
    assert.match(control[0]!.msg, /readinesProbe/);
  });

  for (const { name, options } of renderings()) {
    test(`kubeconform -strict, built-in kinds: ${name}`, () => {
      const mine = results.filter((r) => r.filename === fileOf(name));
      const problems = mine.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped');
      assert.deepEqual(
        problems.map((r) => `${r.kind}/${r.name}: ${r.msg}`),
        [],
      );
      const builtIn = render(options).filter(
        (o) => !customKinds.includes(o.kind) && !unmodelled.has(typeKey(o)),
      );
      const valid = mine.filter((r) => r.status === 'statusValid').map((r) => `${r.kind}/${r.name}`);
      assert.deepEqual(valid.sort(), builtIn.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    });

    test(`kubernetes-models validators, custom resources included: ${name}`, async () => {
      for (const o of render(options)) {
        if (unmodelled.has(typeKey(o))) continue;
        assert.ok(hasModel(o), `no validator for ${typeKey(o)}`);
        assert.deepEqual(await modelErrors(o), [], `${o.kind}/${o.metadata.name}`);
      }
    });
  }

  test('custom resources without a published schema have the fields their operators require', () => {
    const objects = render({
      set: { 'kafka.strimzi.enabled': true, 'postgresql.cloudnativepg.enabled': true },
    });
    const topics = objects.filter((o) => typeKey(o) === 'kafka.strimzi.io/v1beta2/KafkaTopic');
    assert.equal(topics.length, 2);
    for (const t of topics) {
      assert.match(t.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      assert.ok(t.metadata.labels?.['strimzi.io/cluster']);
      assert.ok(Number.isInteger(t.spec.partitions) && t.spec.partitions > 0);
      assert.ok(Number.isInteger(t.spec.replicas) && t.spec.replicas > 0);
      assert.ok(Object.values(t.spec.config).every((v) => typeof v === 'string'));
    }
    const [cluster] = objects.filter((o) => typeKey(o) === 'postgresql.cnpg.io/v1/Cluster');
    assert.ok(cluster);
    assert.ok(Number.isInteger(cluster.spec.instances) && cluster.spec.instances >= 1);
    assert.match(cluster.spec.storage.size, /^\d+(Mi|Gi|Ti)$/);
    assert.deepEqual(Object.keys(cluster.spec.bootstrap.initdb).sort(), ['database', 'owner']);
  });
});
