import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { chartDir } from '../src/go-tools.ts';
import { find, render } from '../src/helm.ts';
import { alertRules, dashboardQueries, syntaxErrors } from '../src/monitoring-queries.ts';

const dashboardDir = path.join(chartDir, 'files', 'dashboards');
const dashboards = fs
  .readdirSync(dashboardDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, json: JSON.parse(fs.readFileSync(path.join(dashboardDir, file), 'utf8')) }));

describe('dashboards and alert rules are well-formed', () => {
  test('an overview and one dashboard per service, each with a unique uid', () => {
    assert.deepEqual(dashboards.map((d) => d.file).sort(), [
      'gateway.json',
      'overview.json',
      'persister.json',
    ]);
    const uids = dashboards.map((d) => d.json.uid);
    assert.equal(new Set(uids).size, uids.length);
  });

  for (const { file, json } of dashboards) {
    test(`${file}: panels fit the grid, query the chosen data source, and have unique ids`, () => {
      const ids = json.panels.map((p: { id: number }) => p.id);
      assert.equal(new Set(ids).size, ids.length);
      const variables = json.templating.list.map((v: { name: string }) => v.name);
      assert.ok(variables.includes('datasource') && variables.includes('namespace'));
      for (const panel of json.panels) {
        const { x, w } = panel.gridPos;
        assert.ok(x >= 0 && w > 0 && x + w <= 24, `${panel.title} fits 24 columns`);
        if (panel.type === 'row') continue;
        // Grafana's data source variable, literally (not a JavaScript template).
        assert.equal(panel.datasource.uid, ['$', '{datasource}'].join(''), panel.title);
        assert.ok(panel.targets.length > 0, panel.title);
        for (const t of panel.targets)
          assert.match(t.expr, /namespace="\$namespace"/, `${panel.title} filters by namespace`);
      }
    });
  }

  test('the overview shows what operators look at first', () => {
    const overview = dashboards.find((d) => d.file === 'overview.json')!.json;
    const exprs = overview.panels
      .flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr))
      .join('\n');
    for (const needed of [
      'switchboard_gateway_connections',
      'switchboard_gateway_messages_received_total',
      'switchboard_gateway_messages_broadcast_total',
      'switchboard_gateway_ack_latency_seconds_bucket',
      'switchboard_persister_persist_delay_seconds_bucket',
      'switchboard_gateway_client_errors_total',
      'switchboard_persister_consumer_lag',
      'switchboard_persister_rows_written_total',
      'switchboard_process_start_time_seconds',
    ])
      assert.ok(exprs.includes(needed), needed);
  });

  test('every dashboard query and alert expression parses with Prometheus’ PromQL grammar', () => {
    const all = [
      ...dashboardQueries(),
      ...alertRules().rules.map((r) => ({ source: r.alert, expr: r.expr })),
    ];
    assert.ok(all.length > 40);
    for (const q of all) assert.deepEqual(syntaxErrors(q.expr), [], `${q.source}: ${q.expr}`);
  });

  test('alerts cover lag, ack latency, error rate and readiness, each with severity and text', () => {
    const { rules } = alertRules();
    const names = rules.map((r) => r.alert);
    for (const needed of [
      'SwitchboardConsumerLagGrowing',
      'SwitchboardAckLatencyHigh',
      'SwitchboardSendErrorRate',
      'SwitchboardPodsNotReady',
    ])
      assert.ok(names.includes(needed), needed);
    const rule = render({ set: { 'metrics.prometheusRule.enabled': true } }).find(
      (o) => o.kind === 'PrometheusRule',
    )!;
    for (const group of rule.spec.groups) {
      for (const r of group.rules) {
        assert.ok(['warning', 'critical'].includes(r.labels.severity), r.alert);
        assert.ok(r.annotations.summary && r.annotations.description, r.alert);
        if (r.for) assert.match(r.for, /^\d+[smh]$/);
        // Scoped to the release namespace: two installs in one Prometheus do not mix.
        assert.match(r.expr, /namespace="switchboard"/, r.alert);
      }
    }
  });

  test('dashboards ship as ConfigMaps labelled for the Grafana sidecar, one per file', () => {
    const maps = find(render(), 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    assert.equal(maps.length, dashboards.length);
    for (const m of maps) {
      const [file, body] = Object.entries(m.data as Record<string, string>)[0]!;
      assert.deepEqual(JSON.parse(body), dashboards.find((d) => d.file === file)!.json);
      assert.equal(m.metadata.annotations.grafana_folder, 'Switchboard');
    }
  });
});
