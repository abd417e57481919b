import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { examplePath, find, only, render, renderings } from '../src/helm.ts';
import { container, containerEnv } from '../src/pod-spec.ts';

/** Stand-ins for Secrets the chart does not create; their ports are the usual ones. */
const placeholders = {
  'switchboard-connections/redis-url': 'rediss://user:pass@redis.internal:6379',
  'switchboard-connections/database-url': 'postgresql://app:pass@pg.internal:5432/switchboard',
  'sb-switchboard-pg-app/uri': 'postgresql://switchboard:pass@sb-switchboard-pg-rw:5432/switchboard',
  'switchboard-kafka/password': 'kafka-sasl-password',
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
  return ports;
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
    const from = only(objects, 'NetworkPolicy', '-gateway').spec.ingress[0].from;
    const testPod = only(objects, 'Pod', '-test');
    assert.ok(
      from.some(
        (peer: { podSelector?: { matchLabels: Record<string, string> } }) =>
          peer.podSelector &&
          Object.entries(peer.podSelector.matchLabels).every(([k, v]) => testPod.metadata.labels?.[k] === v),
      ),
    );
  });

  test('production narrows metrics scraping to the monitoring namespace', () => {
    const objects = render({ valuesFiles: [examplePath('values-production.yaml')] });
    const from = only(objects, 'NetworkPolicy', '-persister').spec.ingress[0].from;
    assert.deepEqual(from, [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
  });
});
