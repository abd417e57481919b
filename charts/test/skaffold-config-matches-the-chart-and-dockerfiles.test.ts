import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { DOCKERFILE, dockerfile, stages, TARGETS } from '../src/dockerfile.ts';
import { repoRoot } from '../src/go-tools.ts';
import { only, render } from '../src/helm.ts';

/**
 * skaffold publishes a JSON schema per config version, but no package on the registries this
 * project can reach ships it (the skaffold Go module is not served by the module proxy here),
 * so skaffold.yaml is checked structurally: every name it uses must exist in the repository,
 * the chart's values and the rendered release.
 */
// biome-ignore lint/suspicious/noExplicitAny: skaffold.yaml is checked field by field below
type Skaffold = any;

const CONFIG_VERSION = 'skaffold/v4beta14';
const TOP_LEVEL = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'requires',
  'build',
  'test',
  'render',
  'manifests',
  'deploy',
  'portForward',
  'resourceSelector',
  'verify',
  'customActions',
  'profiles',
]);

const skaffold: Skaffold = parse(fs.readFileSync(path.join(repoRoot, 'skaffold.yaml'), 'utf8'));
const values = parse(fs.readFileSync(path.join(repoRoot, 'charts/switchboard/values.yaml'), 'utf8'));

/** skaffold's RFC 6902 `add` (the only patch op used), applied to a copy. */
function applyProfile(config: Skaffold, name: string): Skaffold {
  const out = structuredClone(config);
  const profile = config.profiles.find((p: { name: string }) => p.name === name);
  assert.ok(profile, `profile ${name}`);
  for (const patch of profile.patches ?? []) {
    assert.equal(patch.op, 'add');
    const keys = patch.path.split('/').slice(1);
    const last = keys.pop();
    let target = out;
    for (const k of keys) {
      target = target[k];
      assert.ok(target !== undefined, `${name}: patch path ${patch.path} exists`);
    }
    if (Array.isArray(target) && last === '-') target.push(patch.value);
    else target[last] = patch.value;
  }
  delete out.profiles;
  return out;
}

function hasValue(dotted: string): boolean {
  let node = values;
  for (const key of dotted.split('.')) {
    if (node === null || typeof node !== 'object' || !(key in node)) return false;
    node = node[key];
  }
  return true;
}

describe('skaffold.yaml builds the three images and deploys the chart with them injected', () => {
  const artifacts = skaffold.build.artifacts as {
    image: string;
    context: string;
    docker: { dockerfile: string; target: string };
  }[];
  const release = skaffold.deploy.helm.releases[0];

  test('current config version, known top-level fields', () => {
    assert.equal(skaffold.apiVersion, CONFIG_VERSION);
    assert.equal(skaffold.kind, 'Config');
    assert.deepEqual(
      Object.keys(skaffold).filter((k) => !TOP_LEVEL.has(k)),
      [],
    );
  });

  test('every artifact builds its target of the one Dockerfile from the repository root', () => {
    assert.deepEqual(artifacts.map((a) => a.image).sort(), Object.values(TARGETS).sort());
    const targets = stages(dockerfile());
    for (const a of artifacts) {
      assert.equal(a.context, '.');
      assert.equal(a.docker.dockerfile, DOCKERFILE);
      assert.equal(a.image, TARGETS[a.docker.target as keyof typeof TARGETS], `${a.image} builds its target`);
      assert.ok(targets.has(a.docker.target), `Dockerfile has target ${a.docker.target}`);
    }
  });

  test('every injected value exists in values.yaml and names a built image', () => {
    const images = new Set(artifacts.map((a) => a.image.replace(/[^A-Za-z0-9]/g, '_')));
    assert.ok(fs.existsSync(path.join(repoRoot, release.chartPath, 'Chart.yaml')));
    for (const [key, template] of Object.entries(release.setValueTemplates as Record<string, string>)) {
      assert.ok(hasValue(key), `values.yaml has ${key}`);
      for (const [, image] of template.matchAll(/\{\{\.IMAGE_(?:REPO|TAG|DIGEST)_([A-Za-z0-9_]+)\}\}/g)) {
        assert.ok(images.has(image!), `${key} uses an artifact: ${image}`);
      }
    }
    // Each component's image gets both repository and tag.
    for (const component of ['gateway', 'persister', 'migrations']) {
      assert.ok(`${component}.image.repository` in release.setValueTemplates);
      assert.ok(`${component}.image.tag` in release.setValueTemplates);
    }
  });

  test('the kind profile activates on the kind cluster of k8s/kind-config.yaml and uses its values', () => {
    const kindConfig = parse(fs.readFileSync(path.join(repoRoot, 'k8s/kind-config.yaml'), 'utf8'));
    const profile = skaffold.profiles.find((p: { name: string }) => p.name === 'kind');
    assert.deepEqual(profile.activation, [{ kubeContext: `kind-${kindConfig.name}` }]);
    const kind = applyProfile(skaffold, 'kind');
    assert.equal(kind.build.local.push, false);
    for (const file of kind.deploy.helm.releases[0].valuesFiles)
      assert.ok(fs.existsSync(path.join(repoRoot, file)), file);
  });

  for (const profile of [undefined, 'kind', 'grafana']) {
    test(`port-forwards name Services the release really has${profile ? ` (profile ${profile})` : ''}`, () => {
      const config = profile ? applyProfile(skaffold, profile) : skaffold;
      const r = config.deploy.helm.releases[0];
      const objects = render({
        release: r.name,
        namespace: r.namespace,
        valuesFiles: (r.valuesFiles ?? []).map((f: string) => path.join(repoRoot, f)),
      });
      const gateway = config.portForward.find((f: { resourceName: string }) =>
        f.resourceName.endsWith('-gateway'),
      );
      const service = only(objects, 'Service', '-gateway');
      assert.equal(gateway.resourceName, service.metadata.name);
      assert.equal(gateway.namespace, r.namespace);
      assert.ok(service.spec.ports.some((p: { port: number }) => p.port === gateway.port));
    });
  }
});
