import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { examplePath, find, only, render } from '../src/helm.ts';

describe('prisma migrate deploy runs as a Helm hook before the pods that need the schema', () => {
  test('pre-install/pre-upgrade Job with its own hook Secret, created first and cleaned up', () => {
    const objects = render();
    const job = only(objects, 'Job', '-migrate');
    assert.equal(job.metadata.annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
    const secret = only(objects, 'Secret', '-migrate');
    assert.equal(secret.metadata.annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.ok(
      Number(secret.metadata.annotations['helm.sh/hook-weight']) <
        Number(job.metadata.annotations['helm.sh/hook-weight']),
    );
    for (const hook of [job, secret])
      assert.match(hook.metadata.annotations['helm.sh/hook-delete-policy'], /hook-succeeded/);
    const ref = job.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef;
    assert.deepEqual(ref, { name: secret.metadata.name, key: 'database-url' });
    // The release's ServiceAccount does not exist yet during pre-install.
    assert.equal(job.spec.template.spec.serviceAccountName, undefined);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
  });

  test('with an existing Secret the Job reads it directly (it exists before the release)', () => {
    const objects = render({ valuesFiles: [examplePath('values-production.yaml')] });
    assert.equal(find(objects, 'Secret', '-migrate').length, 0);
    const ref = only(objects, 'Job', '-migrate').spec.template.spec.containers[0].env[0].valueFrom
      .secretKeyRef;
    assert.deepEqual(ref, { name: 'switchboard-connections', key: 'database-url' });
  });

  test('with CloudNativePG the first migration runs after install, once the cluster exists', () => {
    const objects = render({ valuesFiles: [examplePath('values-operators.yaml')] });
    const job = only(objects, 'Job', '-migrate');
    assert.equal(job.metadata.annotations['helm.sh/hook'], 'post-install,pre-upgrade');
    const ref = job.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef;
    assert.deepEqual(ref, { name: `${only(objects, 'Cluster').metadata.name}-app`, key: 'uri' });
  });

  test('migrations can be switched off', () => {
    const objects = render({ set: { 'migrations.enabled': false } });
    assert.equal(find(objects, 'Job').length + find(objects, 'Secret', '-migrate').length, 0);
  });
});
