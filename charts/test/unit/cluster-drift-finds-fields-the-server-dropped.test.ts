import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differences } from '../../src/cluster/release-checks.ts';

/**
 * The cluster check compares each rendered object with what the API server stored: fields the
 * server added (defaults, status) are fine, fields it dropped (a CRD schema pruning an unknown
 * field, e.g. HTTPRoute sessionPersistence on the standard channel) or changed are reported.
 */
test('fields the server added are not differences', () => {
  const rendered = { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'x' }] } } };
  const live = {
    replicas: 2,
    revisionHistoryLimit: 10,
    template: { spec: { containers: [{ name: 'app', image: 'x', imagePullPolicy: 'IfNotPresent' }] } },
  };
  assert.deepEqual(differences(rendered, live, 'spec'), []);
});

test('a field the server pruned is reported with its path', () => {
  const rendered = { rules: [{ sessionPersistence: { sessionName: 'sb-affinity' }, backendRefs: [] }] };
  const live = { rules: [{ backendRefs: [] }] };
  assert.deepEqual(differences(rendered, live, 'spec'), [
    'spec.rules[0].sessionPersistence: missing in the cluster',
  ]);
});

test('a changed value is reported; a normalised quantity is the same value', () => {
  assert.deepEqual(differences({ cpu: '1000m', memory: '1Gi' }, { cpu: '1', memory: '1024Mi' }, 'r'), []);
  assert.deepEqual(differences({ port: 3000 }, { port: 3001 }, 's'), [
    's.port: rendered 3000, cluster has 3001',
  ]);
});
