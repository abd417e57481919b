import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { helmOn, kubectl } from '../../src/cluster/kubectl.ts';
import { useCluster } from '../../src/cluster/use-cluster.ts';
import { chartDir } from '../../src/go-tools.ts';
import { renderText } from '../../src/helm.ts';

/**
 * A values file that passes the chart's values schema and renders, but makes an object the API
 * server refuses (a ServiceMonitor scrape interval that is not a Prometheus duration): the
 * server's own validation (the CRD's schema) stops it, for `helm install` (create) as for
 * server-side apply (helm 4, kubectl, Argo CD), and the failed release is removed cleanly.
 */
const cluster = useCluster();
const broken = path.join(import.meta.dirname, 'fixtures', 'values-broken-scrape-interval.yaml');
const namespace = 'sb-broken-values';

test('the API server refuses a values file the chart schema lets through', () => {
  const c = cluster();
  const rendered = renderText({ valuesFiles: [broken], namespace, release: 'sb' });
  assert.match(rendered, /interval: 15 seconds/, 'the chart renders it');

  const ssa = kubectl(c, ['create', 'namespace', namespace]);
  assert.equal(ssa.status, 0, ssa.stderr);
  const applied = kubectl(
    c,
    ['apply', '--server-side', '--dry-run=server', '-n', namespace, '-f', '-'],
    rendered,
  );
  assert.notEqual(applied.status, 0, 'server-side apply accepted it');
  assert.match(applied.stderr, /ServiceMonitor[\s\S]*spec\.endpoints\[0\]\.interval/);

  const install = helmOn(c, [
    'install',
    'sb',
    chartDir,
    '-n',
    namespace,
    '--wait',
    '--timeout=3m',
    '-f',
    broken,
  ]);
  assert.notEqual(install.status, 0, 'helm install succeeded');
  assert.match(install.stderr, /spec\.endpoints\[0\]\.interval/);

  const uninstall = helmOn(c, ['uninstall', 'sb', '-n', namespace, '--wait']);
  assert.equal(uninstall.status, 0, uninstall.stderr);
  assert.equal(kubectl(c, ['delete', 'namespace', namespace, '--wait=false']).status, 0);
});
