import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderError } from '../src/helm.ts';

/** Mistakes the chart stops at `helm install` time, before anything reaches the cluster. */
describe('values.schema.json and the chart’s checks refuse settings that cannot work', () => {
  const refused: [string, Record<string, string | number | boolean>, RegExp][] = [
    ['an unknown ingress preset', { 'ingress.preset': 'nginx-plus' }, /ingress\/preset/],
    [
      'an unknown top-level key (a typo)',
      { 'gatway.replicaCount': 3 },
      /additional properties 'gatway' not allowed/,
    ],
    [
      'a route timeout Gateway API cannot parse',
      { 'gatewayApi.timeouts.request': '1 hour' },
      /timeouts\/request/,
    ],
    [
      'a proxy timeout below the Socket.IO heartbeat',
      { 'ingress.timeoutSeconds': 30 },
      /ingress\/timeoutSeconds/,
    ],
    ['a short HS256 secret', { 'auth.jwtSecret': 'too-short' }, /auth\/jwtSecret/],
    [
      'a JWKS URL without issuer and audience',
      { 'auth.jwksUrl': 'https://id.example.com/jwks.json' },
      /auth.jwksUrl needs auth.issuer and auth.audience/,
    ],
    [
      'a JWKS URL beside an HS256 secret',
      {
        'auth.jwksUrl': 'https://id.example.com/jwks.json',
        'auth.issuer': 'https://id.example.com/',
        'auth.audience': 'switchboard',
        'auth.jwtSecret': 'a-secret-of-at-least-thirty-two-characters',
      },
      /set auth.jwksUrl or an HS256 secret .* not both/,
    ],
    [
      'HS256 in production without allowing it',
      { 'auth.allowHs256InProduction': false },
      /production refuses: set auth.jwksUrl .* or auth.allowHs256InProduction=true/,
    ],
    [
      'the ops port on the public port',
      { 'gateway.opsPort': 3000 },
      /gateway.opsPort must differ from gateway.port/,
    ],
    ['an image digest that is not sha256', { 'gateway.image.digest': 'latest' }, /digest/],
    ['a broker without a port', { 'kafka.brokers[0]': 'kafka' }, /kafka\/brokers\/0/],
    ['an unknown autoscaling mode', { 'persister.autoscaling.mode': 'vpa' }, /autoscaling\/mode/],
    ['no Kafka brokers at all', { 'kafka.brokers': 'null' }, /kafka.brokers is empty/],
    ['an unknown Kafka SASL mechanism', { 'kafka.sasl.mechanism': 'gssapi' }, /kafka\/sasl\/mechanism/],
    [
      'a Kafka SASL mechanism without user or password Secret',
      { 'kafka.sasl.mechanism': 'scram-sha-512' },
      /kafka\/sasl\/existingSecret/,
    ],
    ['no Redis', { 'redis.url': '' }, /set redis.url or redis.existingSecret/],
    ['a Redis Cluster without nodes', { 'redis.cluster.enabled': true }, /redis\/cluster/],
    [
      'a Redis Cluster node without a port',
      { 'redis.cluster.enabled': true, 'redis.cluster.nodes[0]': 'redis-0' },
      /redis\/cluster\/nodes\/0/,
    ],
    ['no PostgreSQL', { 'postgresql.url': '' }, /set postgresql.url, postgresql.existingSecret/],
    [
      'more gateway replicas at least than at most',
      { 'gateway.autoscaling.minReplicas': 5, 'gateway.autoscaling.maxReplicas': 2 },
      /minReplicas is above maxReplicas/,
    ],
  ];
  for (const [what, set, message] of refused) {
    test(what, () => {
      assert.match(renderError({ set }), message);
    });
  }
});
