import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES_VERSION } from '../../src/cluster/components.ts';
import { eventually } from '../../src/cluster/control-plane.ts';
import { helmOn, kubectl } from '../../src/cluster/kubectl.ts';
import {
  checkRelease,
  hookRuns,
  leftovers,
  releaseManifest,
  templateHashes,
} from '../../src/cluster/release-checks.ts';
import { useCluster } from '../../src/cluster/use-cluster.ts';
import { chartDir } from '../../src/go-tools.ts';
import { type KubeObject, only, renderings, renderText } from '../../src/helm.ts';

/**
 * The chart on a real control plane (kube-apiserver, controller-manager, scheduler; kwok's fake
 * nodes run the pods), for its defaults and every example values file, each in a namespace of
 * its own: `helm install --wait`, then what the cluster made of it (every object stored as
 * rendered, Deployments available, Services with endpoints, PDBs counting pods, the migration
 * hook Job completed), `helm upgrade` with a changed pod value rolls the pods (and migrates
 * again), `helm rollback` restores the first revision's pods, `helm uninstall` leaves nothing.
 */
const cluster = useCluster();
const RELEASE = 'sb';
const summary: string[] = [];

describe(`the chart on kube-apiserver ${KUBERNETES_VERSION}`, () => {
  for (const { name, options } of renderings()) {
    const namespace = `sb-${name.replace(/^values-|\.yaml$/g, '').replace(/[^a-z0-9-]/g, '-')}`;
    const values = (options.valuesFiles ?? []).flatMap((f) => ['-f', f]);

    test(`${name}: install, check, upgrade, rollback, uninstall`, async () => {
      const c = cluster();
      const started = Date.now();
      const rendered = parseAllDocuments(renderText({ ...options, release: RELEASE, namespace }))
        .map((d) => d.toJS() as KubeObject)
        .filter(Boolean);
      const gateway = only(rendered, 'Deployment', '-gateway').metadata.name;
      const migrates = rendered.some((o) => o.kind === 'Job' && o.metadata.annotations?.['helm.sh/hook']);

      const install = helmOn(c, [
        'install',
        RELEASE,
        chartDir,
        '-n',
        namespace,
        '--create-namespace',
        '--wait',
        '--timeout=5m',
        ...values,
      ]);
      assert.equal(install.status, 0, `helm install: ${install.stderr}`);
      checkRelease(c, namespace, releaseManifest(c, RELEASE, namespace));
      const first = hookRuns(c, RELEASE, namespace);
      if (migrates) {
        const job = first.hooks.find((h) => h.kind === 'Job');
        assert.equal(job?.last_run?.phase, 'Succeeded', 'the migration hook Job completed');
      }
      const firstHashes = templateHashes(c, gateway, namespace);
      assert.equal(firstHashes.length, 1);

      // A changed pod value rolls the gateway's pods; the migration hook runs again first.
      const upgrade = helmOn(c, [
        'upgrade',
        RELEASE,
        chartDir,
        '-n',
        namespace,
        '--wait',
        '--timeout=5m',
        ...values,
        '--set',
        'gateway.podAnnotations.switchboard\\.dev/rollout=second',
      ]);
      assert.equal(upgrade.status, 0, `helm upgrade: ${upgrade.stderr}`);
      const second = await eventually(
        'the gateway pods rolled to the new template',
        () => templateHashes(c, gateway, namespace),
        (h) => h.length === 1 && h[0] !== firstHashes[0],
      );
      const upgraded = hookRuns(c, RELEASE, namespace);
      assert.equal(upgraded.revision, 2);
      if (migrates) {
        const job = upgraded.hooks.find((h) => h.kind === 'Job');
        assert.equal(job?.last_run?.phase, 'Succeeded', 'migrated again before the upgrade');
        assert.notEqual(
          job?.last_run?.started_at,
          first.hooks.find((h) => h.kind === 'Job')?.last_run?.started_at,
        );
      }

      // Rollback brings back the first revision's pod template (its ReplicaSet, same hash).
      const rollback = helmOn(c, ['rollback', RELEASE, '1', '-n', namespace, '--wait', '--timeout=5m']);
      assert.equal(rollback.status, 0, `helm rollback: ${rollback.stderr}`);
      await eventually(
        'the gateway pods are back on the first template',
        () => templateHashes(c, gateway, namespace),
        (h) => h.length === 1 && h[0] === firstHashes[0],
      );
      assert.notEqual(second[0], firstHashes[0]);
      checkRelease(c, namespace, releaseManifest(c, RELEASE, namespace));

      const uninstall = helmOn(c, ['uninstall', RELEASE, '-n', namespace, '--wait', '--timeout=5m']);
      assert.equal(uninstall.status, 0, `helm uninstall: ${uninstall.stderr}`);
      await eventually(
        'nothing of the release is left',
        () => leftovers(c, namespace),
        (l) => l.length === 0,
      );
      assert.equal(kubectl(c, ['delete', 'namespace', namespace, '--wait=false']).status, 0);
      summary.push(`${name} ${Math.round((Date.now() - started) / 1000)} s`);
    });
  }

  after(() => {
    console.log(
      `cluster: kube-apiserver ${KUBERNETES_VERSION}: installed, upgraded, rolled back, uninstalled: ${summary.join(', ')}`,
    );
  });
});
