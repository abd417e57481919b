import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { chartDir } from '../src/go-tools.ts';
import { examplePath, only, type RenderOptions, render } from '../src/helm.ts';

/**
 * `helm template` does not render NOTES.txt and `helm install --dry-run` needs a cluster, so a
 * copy of the chart turns NOTES.txt into a named template and renders it into a ConfigMap.
 */
const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-notes-'));
fs.cpSync(chartDir, copy, { recursive: true });
const notes = fs.readFileSync(path.join(copy, 'templates', 'NOTES.txt'), 'utf8');
fs.rmSync(path.join(copy, 'templates', 'NOTES.txt'));
fs.writeFileSync(
  path.join(copy, 'templates', '_notes_under_test.tpl'),
  `{{- define "notes-under-test" -}}\n${notes}{{- end -}}\n`,
);
fs.writeFileSync(
  path.join(copy, 'templates', 'notes-under-test.yaml'),
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: {{ include "notes-under-test" . | quote }}\n',
);

function notesFor(options: RenderOptions): string {
  return only(render({ ...options, chart: copy }), 'ConfigMap', 'notes-under-test').data.notes;
}

describe('NOTES.txt tells users how to reach, check and finish their install', () => {
  after(() => fs.rmSync(copy, { recursive: true, force: true }));

  test('defaults: the route, the port-forward, helm test, and a warning about development defaults', () => {
    const text = notesFor({});
    const service = only(render(), 'Service', '-gateway').metadata.name;
    assert.match(text, new RegExp(`port-forward svc/${service} 3000:80`));
    assert.match(text, /HTTPRoute .* attaches to: switchboard\/http/);
    assert.match(text, /helm test sb -n switchboard/);
    assert.match(text, /WARNING: redis.url, kafka.brokers and postgresql.url are the development defaults/);
    assert.match(text, /an HS256 secret was generated/);
  });

  test('production: no development warning, no generated secret', () => {
    const text = notesFor({ valuesFiles: [examplePath('values-production.yaml')] });
    assert.doesNotMatch(text, /WARNING/);
    assert.doesNotMatch(text, /generated/);
    assert.match(text, /HTTPRoute .* attaches to: public\/https/);
  });

  test('ingress: names the preset and hosts', () => {
    const text = notesFor({ valuesFiles: [examplePath('values-ingress-haproxy.yaml')] });
    assert.match(text, /Ingress \S+ \(preset: haproxy\) for: chat.example.com/);
  });
});
