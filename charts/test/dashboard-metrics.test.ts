import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { devJwtSecret, HOST, ports, up } from '../../stack/src/index.ts';
import { chartDir } from '../src/go-tools.ts';
import {
  alertRules,
  dashboardQueries,
  exposition,
  externalSeries,
  type Query,
  selectors,
  targetLabels,
} from '../src/monitoring-queries.ts';

/**
 * Every metric a dashboard panel or an alert queries exists in the /metrics of the running
 * gateway and persister (local stack), and every label a query filters or groups by is one
 * those series carry (or one Prometheus adds when scraping). A message is sent first so the
 * labelled series have samples.
 */
describe('every dashboard and alert query uses metrics and labels the services really export', () => {
  const series = new Map<string, Set<string>>();

  before(async () => {
    await up({ log: (line) => console.log(`[stack] ${line}`) });
    const roundtrip = spawnSync(
      process.execPath,
      [path.join(chartDir, 'files', 'helm-test', 'roundtrip.mjs')],
      {
        env: {
          ...process.env,
          GATEWAY_URL: `http://${HOST}:${ports.gateway1}`,
          JWT_SECRET: devJwtSecret,
          TIMEOUT_SECONDS: '90',
        },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(roundtrip.status, 0, `${roundtrip.stdout}\n${roundtrip.stderr}`);
    for (const port of [ports.gateway1Ops, ports.persister]) {
      const res = await fetch(`http://${HOST}:${port}/metrics`);
      assert.equal(res.status, 200);
      for (const [name, labels] of exposition(await res.text()).series) {
        series.set(name, new Set([...(series.get(name) ?? []), ...labels]));
      }
    }
  });

  const check = (queries: Query[]) => {
    const problems: string[] = [];
    for (const q of queries) {
      const { metrics, grouping } = selectors(q.expr);
      if (metrics.size === 0) problems.push(`${q.source}: selects no metric`);
      const available = new Set([...targetLabels]);
      for (const [name, labels] of metrics) {
        if (externalSeries.has(name)) continue;
        const exported = series.get(name);
        if (!exported) {
          problems.push(`${q.source}: ${name} is not exported`);
          continue;
        }
        for (const l of exported) available.add(l);
        if (name.endsWith('_bucket')) available.add('le');
        // Labels are only known once a series has samples; families without samples are
        // checked by name alone.
        if (exported.size > 0) {
          for (const l of labels)
            if (!exported.has(l) && !targetLabels.has(l))
              problems.push(`${q.source}: ${name} has no label ${l}`);
        }
      }
      const allSampled = [...metrics.keys()].every(
        (m) => externalSeries.has(m) || (series.get(m)?.size ?? 0) > 0,
      );
      if (allSampled) {
        for (const l of grouping)
          if (!available.has(l))
            problems.push(`${q.source}: grouping label ${l} exists on none of its series`);
      }
    }
    return problems;
  };

  test('the services export the default metrics under the switchboard_ prefix with a service label', () => {
    for (const name of [
      'switchboard_process_cpu_seconds_total',
      'switchboard_nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(series.get(name)?.has('service'), name);
    }
  });

  test('dashboards', () => {
    const queries = dashboardQueries();
    assert.ok(queries.length > 40);
    assert.deepEqual(check(queries), []);
  });

  test('alert rules', () => {
    const queries = alertRules().rules.map((r) => ({ source: r.alert, expr: r.expr }));
    assert.deepEqual(check(queries), []);
  });

  test('the check catches a metric the services do not export', () => {
    assert.deepEqual(check([{ source: 'probe', expr: 'sum(rate(switchboard_gateway_bogus_total[5m]))' }]), [
      'probe: switchboard_gateway_bogus_total is not exported',
    ]);
  });
});
