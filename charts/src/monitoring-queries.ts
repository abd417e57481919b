import fs from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { chartDir } from './go-tools.ts';
import { render } from './helm.ts';

/** A PromQL expression shipped with the chart, and where it comes from. */
export type Query = { source: string; expr: string };

/** Every query of every dashboard panel (files/dashboards/*.json). */
export function dashboardQueries(): Query[] {
  const dir = path.join(chartDir, 'files', 'dashboards');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      const queries: Query[] = [];
      for (const panel of dashboard.panels ?? []) {
        for (const target of panel.targets ?? [])
          queries.push({ source: `${file}: ${panel.title}`, expr: target.expr });
      }
      for (const variable of dashboard.templating?.list ?? []) {
        const q = typeof variable.query === 'object' ? variable.query?.query : undefined;
        const inner = q?.match(/^label_values\((.+),\s*\w+\)$/)?.[1];
        if (inner) queries.push({ source: `${file}: variable ${variable.name}`, expr: inner });
      }
      return queries;
    });
}

export type Rule = { group: string; alert: string; expr: string; for?: string };

/** The alert rules of the rendered PrometheusRule (namespace "switchboard"). */
export function alertRules(): { rules: Rule[]; groups: unknown[] } {
  const rule = render({ set: { 'metrics.prometheusRule.enabled': true } }).find(
    (o) => o.kind === 'PrometheusRule',
  );
  if (!rule) throw new Error('no PrometheusRule rendered');
  const groups = rule.spec.groups as {
    name: string;
    rules: { alert: string; expr: string; for?: string }[];
  }[];
  return {
    groups,
    rules: groups.flatMap((g) =>
      g.rules.map((r) => ({ group: g.name, alert: r.alert, expr: r.expr, for: r.for })),
    ),
  };
}

/** Series that come from Prometheus itself or kube-state-metrics, not from Switchboard. */
export const externalSeries = new Set([
  'up',
  'kube_deployment_status_replicas_available',
  'kube_deployment_spec_replicas',
]);

/** Labels a scraped series carries besides its own: the target labels of a ServiceMonitor. */
export const targetLabels = new Set([
  'namespace',
  'pod',
  'job',
  'instance',
  'endpoint',
  'container',
  'service',
]);

/** Grafana's range variables, replaced by a duration so the expression is plain PromQL. */
function plain(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
}

/** Positions where Prometheus' own PromQL grammar (@prometheus-io/lezer-promql) fails to parse. */
export function syntaxErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(plain(expr)).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

/**
 * The series an expression selects, with the label names its matchers use, and the labels it
 * groups or matches by (by/without/on/ignoring), read from the parse tree.
 */
export function selectors(expr: string): { metrics: Map<string, Set<string>>; grouping: Set<string> } {
  const text = plain(expr);
  const metrics = new Map<string, Set<string>>();
  const grouping = new Set<string>();
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.name === 'VectorSelector') {
        const name = node.node.getChild('Identifier');
        const labels = new Set<string>();
        const matchers = node.node.getChild('LabelMatchers');
        for (const m of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
          const label = m.getChild('LabelName');
          if (label) labels.add(text.slice(label.from, label.to));
        }
        if (name) {
          const key = text.slice(name.from, name.to);
          metrics.set(key, new Set([...(metrics.get(key) ?? []), ...labels]));
        }
      } else if (node.name === 'GroupingLabels') {
        for (const label of node.node.getChildren('LabelName'))
          grouping.add(text.slice(label.from, label.to));
      }
    },
  });
  return { metrics, grouping };
}

/** Series names and their label names in a Prometheus text exposition. */
export function exposition(text: string): { series: Map<string, Set<string>> } {
  const series = new Map<string, Set<string>>();
  const add = (name: string, labels: string[] = []) => {
    const set = series.get(name) ?? new Set<string>();
    for (const l of labels) set.add(l);
    series.set(name, set);
  };
  for (const line of text.split('\n')) {
    const type = line.match(/^# TYPE (\S+) (\w+)/);
    if (type) {
      const [, name, kind] = type;
      // A family is declared even before its first sample; these are the series it will have.
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) add(`${name}${s}`);
      else if (kind === 'summary') for (const s of ['', '_sum', '_count']) add(`${name}${s}`);
      else add(name!);
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    const sample = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s/);
    if (sample)
      add(
        sample[1]!,
        [...(sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((x) => x[1]!),
      );
  }
  return { series };
}
