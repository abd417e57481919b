import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KubeObject, render, renderings } from '../src/helm.ts';
import { podSpec } from '../src/pod-spec.ts';

const workloads = (objects: KubeObject[]) =>
  objects.filter((o) => ['Deployment', 'Job', 'Pod', 'StatefulSet'].includes(o.kind));

describe('every pod runs non-root, read-only, with resources; long-running ones spread out', () => {
  for (const { name, options } of renderings()) {
    test(name, () => {
      const objects = render(options);
      assert.ok(workloads(objects).length >= 4);
      for (const w of workloads(objects)) {
        const spec = podSpec(w);
        const where = `${w.kind}/${w.metadata.name}`;
        assert.equal(spec.securityContext?.runAsNonRoot, true, where);
        assert.ok(spec.securityContext.runAsUser > 0, where);
        assert.equal(spec.securityContext.seccompProfile?.type, 'RuntimeDefault', where);
        assert.equal(spec.automountServiceAccountToken, false, `${where}: no API token`);
        for (const c of spec.containers) {
          const sc = c.securityContext ?? {};
          assert.equal(sc.runAsNonRoot, true, `${where}/${c.name}`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${where}/${c.name}`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${where}/${c.name}`);
          assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${where}/${c.name}`);
          assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${where}/${c.name} requests`);
          assert.ok(c.resources?.limits?.memory, `${where}/${c.name} memory limit`);
          assert.doesNotMatch(c.image, /:latest$|^[^:@]+$/, `${where}/${c.name}: pinned image`);
        }
      }
      for (const d of objects.filter((o) => o.kind === 'Deployment')) {
        const spec = podSpec(d);
        const labels = d.spec.template.metadata.labels;
        assert.ok(spec.topologySpreadConstraints?.length >= 1, `${d.metadata.name} spreads`);
        for (const t of spec.topologySpreadConstraints) {
          // A constraint whose selector misses the pod's own labels spreads nothing.
          for (const [k, v] of Object.entries(t.labelSelector.matchLabels)) assert.equal(labels[k], v);
        }
        const pdb = objects.find(
          (o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === d.metadata.name,
        );
        assert.ok(pdb, `${d.metadata.name} has a PodDisruptionBudget`);
        assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
      }
    });
  }
});
