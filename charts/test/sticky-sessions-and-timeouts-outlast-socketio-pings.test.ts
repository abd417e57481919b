import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { Server } from 'socket.io';
import { examplePath, find, only, render, renderings } from '../src/helm.ts';

/** Socket.IO's heartbeat as the gateway runs it (gateway/src/socket-server.ts keeps the defaults). */
function heartbeatSeconds(): number {
  const io = new Server(http.createServer());
  const { pingInterval, pingTimeout } = io.engine.opts as { pingInterval: number; pingTimeout: number };
  io.close();
  return (pingInterval + pingTimeout) / 1000;
}

function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(n) * units[unit!]!;
  return total;
}

describe('clients stick to one gateway pod, and no proxy timeout cuts a Socket.IO connection', () => {
  const heartbeat = heartbeatSeconds();

  test('the Socket.IO heartbeat is what the timeouts are measured against', () => {
    assert.equal(heartbeat, 45);
  });

  for (const { name, options } of renderings()) {
    test(`HTTPRoute: ${name}`, () => {
      for (const route of find(render(options), 'HTTPRoute')) {
        for (const rule of route.spec.rules) {
          assert.equal(rule.sessionPersistence?.type, 'Cookie', 'long-polling needs a sticky cookie');
          assert.match(rule.sessionPersistence.sessionName, /^[A-Za-z0-9_-]+$/);
          assert.ok(seconds(rule.timeouts.request) > heartbeat, `request timeout ${rule.timeouts.request}`);
          assert.ok(seconds(rule.timeouts.backendRequest) > heartbeat);
          assert.ok(seconds(rule.timeouts.backendRequest) <= seconds(rule.timeouts.request));
        }
      }
    });
  }

  test('the Gateway API route is the default; the Ingress is off', () => {
    const objects = render();
    assert.equal(find(objects, 'HTTPRoute').length, 1);
    assert.equal(find(objects, 'Ingress').length, 0);
  });

  test('Traefik preset: sticky cookie on the Service, where Traefik reads it', () => {
    const objects = render({ valuesFiles: [examplePath('values-ingress-traefik.yaml')] });
    assert.equal(find(objects, 'HTTPRoute').length, 0);
    const annotations = only(objects, 'Service', '-gateway').metadata.annotations ?? {};
    assert.equal(annotations['traefik.ingress.kubernetes.io/service.sticky.cookie'], 'true');
    assert.equal(annotations['traefik.ingress.kubernetes.io/service.sticky.cookie.name'], 'sb-affinity');
    assert.equal(only(objects, 'Ingress').spec.ingressClassName, 'traefik');
  });

  test('HAProxy preset: cookie persistence and tunnel/server timeouts above the heartbeat', () => {
    const objects = render({ valuesFiles: [examplePath('values-ingress-haproxy.yaml')] });
    const a = only(objects, 'Ingress').metadata.annotations;
    assert.equal(a['haproxy.org/cookie-persistence'], 'sb-affinity');
    for (const key of ['haproxy.org/timeout-tunnel', 'haproxy.org/timeout-server'])
      assert.ok(seconds(a[key]) > heartbeat, key);
  });

  test('ingress-nginx preset (retired controller, still offered): cookie affinity and read timeout', () => {
    const objects = render({ set: { 'ingress.enabled': true, 'ingress.preset': 'nginx' } });
    const a = only(objects, 'Ingress').metadata.annotations;
    assert.equal(a['nginx.ingress.kubernetes.io/affinity'], 'cookie');
    assert.ok(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) > heartbeat);
    assert.ok(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']) > heartbeat);
  });

  test('explicit Ingress annotations win over the preset', () => {
    const objects = render({
      set: {
        'ingress.enabled': true,
        'ingress.preset': 'haproxy',
        'ingress.annotations.haproxy\\.org/timeout-tunnel': '2h',
      },
    });
    assert.equal(only(objects, 'Ingress').metadata.annotations['haproxy.org/timeout-tunnel'], '2h');
  });
});
