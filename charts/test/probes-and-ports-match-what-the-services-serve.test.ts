import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { opsHandler } from '../../service-kit/src/ops-endpoints.ts';
import { Readiness } from '../../service-kit/src/readiness.ts';
import { find, only, render, renderings } from '../src/helm.ts';
import { container, containerEnv, resolvePort } from '../src/pod-spec.ts';

/** Whether service-kit's ops handler (which both services mount) answers this path. */
async function served(path: string): Promise<boolean> {
  const handler = opsHandler({ readiness: new Readiness(), registry: new Registry() });
  const req = { method: 'GET', url: path } as http.IncomingMessage;
  const res = { writeHead: () => res, end: () => res } as unknown as http.ServerResponse;
  return handler(req, res);
}

const placeholders = {
  'switchboard-connections/redis-url': 'redis://r:6379',
  'switchboard-connections/database-url': 'postgresql://u:p@h:5432/d',
  'sb-switchboard-pg-app/uri': 'postgresql://u:p@h:5432/d',
  'switchboard-kafka/password': 'kafka-sasl-password',
  'switchboard-redis/password': 'redis-cluster-password',
};

describe('probes, Services and scrapes target the port and paths the services really serve', () => {
  test('service-kit serves /livez, /readyz and /metrics, and nothing else by that handler', async () => {
    for (const path of ['/livez', '/readyz', '/metrics']) assert.ok(await served(path), path);
    assert.equal(await served('/healthz'), false);
  });

  for (const { name, options } of renderings()) {
    test(name, async () => {
      const objects = render(options);
      for (const component of ['gateway', 'persister']) {
        const deployment = only(objects, 'Deployment', `-${component}`);
        const c = container(deployment);
        // The ops endpoints are on OPS_PORT (the gateway, whose PORT is public) or PORT (the
        // persister serves nothing else): every probe and every scrape must land there.
        const env = containerEnv(objects, c, placeholders);
        const listens = Number(env.OPS_PORT ?? env.PORT);
        const ports = new Set([Number(env.PORT), listens]);
        const probes = {
          startupProbe: '/livez',
          livenessProbe: '/livez',
          readinessProbe: '/readyz',
        } as const;
        for (const [probe, path] of Object.entries(probes)) {
          const get = c[probe]?.httpGet;
          assert.ok(get, `${component} has no ${probe}`);
          assert.equal(get.path, path, `${component} ${probe}`);
          assert.ok(await served(get.path));
          assert.equal(resolvePort(c, get.port), listens, `${component} ${probe} port`);
        }
        const service = only(objects, 'Service', `-${component}`);
        for (const port of service.spec.ports) assert.ok(ports.has(resolvePort(c, port.targetPort)));
        assert.deepEqual(
          service.spec.selector,
          Object.fromEntries(
            Object.entries(deployment.spec.selector.matchLabels).filter(([k]) => k in service.spec.selector),
          ),
        );
        for (const monitor of find(objects, 'ServiceMonitor', `-${component}`)) {
          for (const endpoint of monitor.spec.endpoints) {
            const port = service.spec.ports.find((p: { name: string }) => p.name === endpoint.port);
            assert.ok(port, `${component} ServiceMonitor port ${endpoint.port}`);
            assert.equal(resolvePort(c, port.targetPort), listens, `${component} scrapes the ops port`);
            assert.ok(await served(endpoint.path));
          }
        }
      }
      // The default ports are the ones the services' schemas default to.
      const gateway = container(only(objects, 'Deployment', '-gateway'));
      const persisterPort = resolvePort(container(only(objects, 'Deployment', '-persister')), 'http-ops');
      assert.deepEqual(
        [resolvePort(gateway, 'http'), resolvePort(gateway, 'http-ops'), persisterPort],
        [3000, 9090, 3100],
      );
    });
  }

  test('the HTTPRoute and Ingress send traffic to the gateway’s public port, never its ops port', () => {
    for (const { options } of renderings()) {
      const objects = render(options);
      const service = only(objects, 'Service', '-gateway');
      const c = container(only(objects, 'Deployment', '-gateway'));
      const env = containerEnv(objects, c, placeholders);
      // The first Service port is the routed one; it reaches PORT, not OPS_PORT.
      assert.equal(resolvePort(c, service.spec.ports[0].targetPort), Number(env.PORT));
      assert.notEqual(Number(env.PORT), Number(env.OPS_PORT));
      for (const route of find(objects, 'HTTPRoute')) {
        for (const ref of route.spec.rules.flatMap((r: { backendRefs: unknown[] }) => r.backendRefs)) {
          assert.deepEqual(ref, { name: service.metadata.name, port: service.spec.ports[0].port });
        }
      }
      for (const ingress of find(objects, 'Ingress')) {
        for (const rule of ingress.spec.rules) {
          for (const p of rule.http.paths) {
            assert.equal(p.backend.service.name, service.metadata.name);
            assert.equal(p.backend.service.port.name, service.spec.ports[0].name);
          }
        }
      }
    }
  });
});
