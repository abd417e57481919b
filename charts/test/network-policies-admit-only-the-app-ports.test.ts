import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { examplePath, find, type KubeObject, only, render, renderings } from '../src/helm.ts';
import { container, containerEnv } from '../src/pod-spec.ts';

/** Stand-ins for Secrets the chart does not create; their ports are the usual ones. */
const placeholders = {
  'switchboard-connections/redis-url': 'rediss://user:pass@redis.internal:6379',
  'switchboard-connections/database-url': 'postgresql://app:pass@pg.internal:5432/switchboard',
  'sb-switchboard-pg-app/uri': 'postgresql://switchboard:pass@sb-switchboard-pg-rw:5432/switchboard',
  'switchboard-kafka/password': 'kafka-sasl-password',
  'switchboard-redis/password': 'redis-cluster-password',
};

/** The TCP ports a service's configuration makes it connect to. */
function dependencyPorts(env: Record<string, string>): number[] {
  const ports: number[] = [];
  for (const key of ['REDIS_URL', 'DATABASE_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'JWT_JWKS_URL']) {
    const value = env[key];
    if (!value) continue;
    const url = new URL(value);
    ports.push(
      Number(
        url.port ||
          { 'redis:': 6379, 'rediss:': 6379, 'postgresql:': 5432, 'http:': 80, 'https:': 443 }[url.protocol],
      ),
    );
  }
  for (const broker of (env.KAFKA_BROKERS ?? '').split(',').filter(Boolean))
    ports.push(Number(broker.split(':').pop()));
  for (const node of (env.REDIS_CLUSTER_NODES ?? '').split(',').filter(Boolean))
    ports.push(Number(node.split(':').pop()));
  return ports;
}

type IngressRule = { ports: { port: string }[]; from?: object[] };

/** The one ingress rule of a policy that admits this container port (by name). */
function ingressTo(policy: KubeObject, port: string): IngressRule & { from: object[] } {
  const rules = (policy.spec.ingress as IngressRule[]).filter((r) => r.ports.some((p) => p.port === port));
  assert.equal(rules.length, 1, `rules admitting ${port}`);
  return rules[0] as IngressRule & { from: object[] };
}

describe('NetworkPolicies let in only the service ports and let out only DNS and the dependencies', () => {
  for (const { name, options } of renderings()) {
    test(name, () => {
      const objects = render(options);
      const policies = find(objects, 'NetworkPolicy');
      assert.equal(policies.length, 2);
      for (const component of ['gateway', 'persister']) {
        const policy = only(objects, 'NetworkPolicy', `-${component}`);
        const deployment = only(objects, 'Deployment', `-${component}`);
        assert.deepEqual(policy.spec.podSelector.matchLabels, deployment.spec.selector.matchLabels);
        assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
        const portNames = container(deployment).ports.map((p: { name: string }) => p.name);
        for (const rule of policy.spec.ingress)
          for (const port of rule.ports)
            assert.ok(portNames.includes(port.port), `${component} ingress ${port.port}`);
        const egressPorts = policy.spec.egress.flatMap((r: { ports: { port: number }[] }) =>
          r.ports.map((p) => p.port),
        );
        assert.ok(egressPorts.includes(53), 'DNS');
        // Every dependency the service is configured to reach is reachable through the policy.
        const env = containerEnv(objects, container(deployment), placeholders);
        for (const port of dependencyPorts(env))
          assert.ok(egressPorts.includes(port), `${component} may reach port ${port}`);
        assert.ok(egressPorts.includes(9092) && egressPorts.includes(5432), 'Kafka and PostgreSQL');
      }
    });
  }

  test('restricting gateway sources still admits the release’s helm test pod', () => {
    const objects = render({
      set: { 'networkPolicy.gatewayFrom[0].namespaceSelector.matchLabels.ingress': 'true' },
    });
    const from = ingressTo(only(objects, 'NetworkPolicy', '-gateway'), 'http').from;
    const testPod = only(objects, 'Pod', '-test');
    assert.ok(
      from.some(
        (peer: { podSelector?: { matchLabels: Record<string, string> } }) =>
          peer.podSelector &&
          Object.entries(peer.podSelector.matchLabels).every(([k, v]) => testPod.metadata.labels?.[k] === v),
      ),
    );
  });

  test('production admits the ops ports of both services from the monitoring namespace only', () => {
    const objects = render({ valuesFiles: [examplePath('values-production.yaml')] });
    for (const component of ['gateway', 'persister']) {
      const from = ingressTo(only(objects, 'NetworkPolicy', `-${component}`), 'http-ops').from;
      assert.deepEqual(
        from,
        [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        component,
      );
    }
  });

  test('the gateway’s public sources never reach its ops port', () => {
    const objects = render({
      set: {
        'networkPolicy.gatewayFrom[0].namespaceSelector.matchLabels.team': 'edge',
        'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team': 'monitoring',
      },
    });
    const policy = only(objects, 'NetworkPolicy', '-gateway');
    // One rule per port, each with its own sources.
    for (const rule of policy.spec.ingress) assert.equal(rule.ports.length, 1);
    const publicRule = ingressTo(policy, 'http');
    const opsRule = ingressTo(policy, 'http-ops');
    assert.notEqual(publicRule, opsRule);
    assert.deepEqual(opsRule.from, [{ namespaceSelector: { matchLabels: { team: 'monitoring' } } }]);
    assert.ok(!publicRule.from.some((peer: object) => JSON.stringify(peer).includes('monitoring')));
  });
});
