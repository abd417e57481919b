import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gatewayConfigSchema } from '../../gateway/src/config.ts';
import { persisterConfigSchema } from '../../persister/src/config.ts';
import { loadConfig } from '../../service-kit/src/env-config.ts';
import { only, render, renderings } from '../src/helm.ts';
import { container, containerEnv } from '../src/pod-spec.ts';

/**
 * Variables a container may carry besides its config schema's: OpenTelemetry's standard
 * variables, read by service-kit's startTelemetry and the OpenTelemetry SDK itself.
 */
const READ_OUTSIDE_THE_SCHEMA = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME'];

/** Values of Secrets the chart references but does not create (existingSecret, CloudNativePG). */
const placeholders = {
  'switchboard-connections/redis-url': 'rediss://user:pass@redis.internal:6380',
  'switchboard-connections/database-url': 'postgresql://app:pass@pg.internal:5432/switchboard',
  'sb-switchboard-pg-app/uri': 'postgresql://switchboard:pass@sb-switchboard-pg-rw:5432/switchboard',
  'switchboard-kafka/password': 'kafka-sasl-password',
  'switchboard-redis/password': 'redis-cluster-password',
};

function unreadVariables(env: Record<string, string>, shape: object): string[] {
  const known = new Set([...Object.keys(shape), ...READ_OUTSIDE_THE_SCHEMA]);
  return Object.keys(env).filter((k) => !known.has(k));
}

const services = [
  { component: 'gateway', schema: gatewayConfigSchema },
  { component: 'persister', schema: persisterConfigSchema },
] as const;

describe('the chart sets every variable the services require, and none they do not read', () => {
  for (const { name, options } of renderings()) {
    for (const { component, schema } of services) {
      test(`${component}: ${name}`, () => {
        const objects = render(options);
        const env = containerEnv(
          objects,
          container(only(objects, 'Deployment', `-${component}`)),
          placeholders,
        );
        assert.deepEqual(unreadVariables(env, schema.shape), [], `variables ${component} does not read`);
        // The service's own validation: required values present, types and cross-checks pass.
        assert.doesNotThrow(() => loadConfig(component, schema, env));
      });
    }
  }

  test('the migration Job gets DATABASE_URL, the same database the services use', () => {
    for (const { options } of renderings()) {
      const objects = render(options);
      const job = container(only(objects, 'Job', '-migrate'));
      const jobEnv = containerEnv(objects, job, placeholders);
      const persister = containerEnv(
        objects,
        container(only(objects, 'Deployment', '-persister')),
        placeholders,
      );
      assert.equal(jobEnv.DATABASE_URL, persister.DATABASE_URL);
    }
  });

  test('gateway.env with a name the gateway does not read is caught', () => {
    const objects = render({ set: { 'gateway.env.MAX_CONNECTIONS_PER_POD': '10' } });
    const env = containerEnv(objects, container(only(objects, 'Deployment', '-gateway')), placeholders);
    assert.deepEqual(unreadVariables(env, gatewayConfigSchema.shape), ['MAX_CONNECTIONS_PER_POD']);
  });
});
