import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { goTool, goToolIfBuilt, goTools } from '../src/go-tools.ts';
import { alertRules } from '../src/monitoring-queries.ts';

/**
 * Building promtool compiles all of Prometheus' service discovery (tens of minutes on two
 * busy cores), so it is opt-in: SB_BUILD_PROMTOOL=1 builds it once into .stack/cache/bin, and
 * every later run uses it. Without it, the rules are still parsed with Prometheus' PromQL
 * grammar and their metrics checked against the services (dashboard-metrics.test.ts).
 */
const promtool =
  process.env.SB_BUILD_PROMTOOL === '1' ? goTool(goTools.promtool) : goToolIfBuilt(goTools.promtool);
const skip = promtool ? false : 'promtool is not built here (SB_BUILD_PROMTOOL=1 builds it once)';

function withRuleFiles<T>(files: Record<string, unknown>, run: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-rules-'));
  try {
    for (const [name, content] of Object.entries(files))
      fs.writeFileSync(path.join(dir, name), stringify(content));
    return run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the PrometheusRule alerts pass promtool', () => {
  test('promtool check rules', { skip }, () => {
    const out = withRuleFiles({ 'rules.yaml': { groups: alertRules().groups } }, (dir) =>
      spawnSync(promtool!, ['check', 'rules', path.join(dir, 'rules.yaml')], { encoding: 'utf8' }),
    );
    assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
    assert.match(out.stdout, /SUCCESS: \d+ rules found/);
  });

  test('promtool test rules: growing lag and server-side refusals fire; a drained backlog and client mistakes do not', {
    skip,
  }, () => {
    const lag = (values: string) => ({
      series:
        'switchboard_persister_consumer_group_lag{namespace="switchboard",topic="switchboard.messages",service="persister",pod="p-1"}',
      values,
    });
    const unit = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [lag('0+500x40')],
          alert_rule_test: [
            {
              eval_time: '30m',
              alertname: 'SwitchboardConsumerLagGrowing',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    namespace: 'switchboard',
                    topic: 'switchboard.messages',
                  },
                  // The annotation templates render with the alert's labels and value.
                  exp_annotations: {
                    summary: 'Persister consumer lag on switchboard.messages keeps growing',
                    description:
                      'The consumer group has 15k records not yet written to PostgreSQL and the backlog has grown for 10m. Check persister replicas, write failures and PostgreSQL.',
                  },
                },
              ],
            },
          ],
        },
        {
          // 10 % of sends refused as UNAVAILABLE, above the 5 % threshold, for longer than 5m.
          interval: '1m',
          input_series: [
            {
              series: 'switchboard_gateway_messages_received_total{namespace="switchboard",pod="g-1"}',
              values: '0+600x20',
            },
            {
              series:
                'switchboard_gateway_messages_rejected_total{namespace="switchboard",pod="g-1",code="UNAVAILABLE"}',
              values: '0+60x20',
            },
            {
              series:
                'switchboard_gateway_messages_rejected_total{namespace="switchboard",pod="g-1",code="INVALID"}',
              values: '0+300x20',
            },
          ],
          alert_rule_test: [
            {
              eval_time: '15m',
              alertname: 'SwitchboardSendErrorRate',
              exp_alerts: [
                {
                  exp_labels: { severity: 'critical', namespace: 'switchboard' },
                  exp_annotations: {
                    summary: 'More than 5% of sends are refused',
                    description: '10% of message:send requests get UNAVAILABLE or INTERNAL.',
                  },
                },
              ],
            },
          ],
        },
        {
          interval: '1m',
          input_series: [lag('20000-500x40')],
          alert_rule_test: [{ eval_time: '30m', alertname: 'SwitchboardConsumerLagGrowing', exp_alerts: [] }],
        },
      ],
    };
    const out = withRuleFiles({ 'rules.yaml': { groups: alertRules().groups }, 'unit.yaml': unit }, (dir) =>
      spawnSync(promtool!, ['test', 'rules', path.join(dir, 'unit.yaml')], { encoding: 'utf8', cwd: dir }),
    );
    assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
  });
});
