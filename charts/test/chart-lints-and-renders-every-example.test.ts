import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lint, render, renderings } from '../src/helm.ts';

describe('the chart lints strictly and renders with the defaults and every example values file', () => {
  for (const { name, options } of renderings()) {
    test(`helm lint --strict: ${name}`, () => {
      const result = lint(options);
      assert.ok(result.ok, result.output);
    });

    test(`helm template: ${name}`, () => {
      const objects = render(options);
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Job', 'Pod'])
        assert.ok(kinds.has(kind), kind);
      const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      assert.equal(new Set(names).size, names.length, `duplicate objects: ${names.join(', ')}`);
      for (const o of objects) assert.ok(o.metadata.name.length <= 63, `${o.metadata.name} is too long`);
    });
  }
});
