import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { only, render, renderings } from '../src/helm.ts';
import { container, containerEnv } from '../src/pod-spec.ts';

const placeholders = {
  'switchboard-connections/redis-url': 'redis://r:6379',
  'switchboard-connections/database-url': 'postgresql://u:p@h:5432/d',
  'sb-switchboard-pg-app/uri': 'postgresql://u:p@h:5432/d',
  'switchboard-kafka/password': 'kafka-sasl-password',
  'switchboard-redis/password': 'redis-cluster-password',
};

describe('Kubernetes waits long enough for each service to drain before killing it', () => {
  for (const { name, options } of renderings()) {
    test(name, () => {
      const objects = render(options);
      for (const component of ['gateway', 'persister']) {
        const deployment = only(objects, 'Deployment', `-${component}`);
        const c = container(deployment);
        const drainSeconds = Number(containerEnv(objects, c, placeholders).SHUTDOWN_GRACE_MS) / 1000;
        const preStopSeconds = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
        const grace = deployment.spec.template.spec.terminationGracePeriodSeconds;
        assert.ok(drainSeconds >= 1, `${component} SHUTDOWN_GRACE_MS`);
        // The grace period covers the preStop sleep, then the service's own drain deadline,
        // with room to flush logs and exit.
        assert.ok(grace >= preStopSeconds + drainSeconds + 5, `${component}: ${grace} s`);
      }
      const gateway = container(only(objects, 'Deployment', '-gateway'));
      assert.ok(
        gateway.lifecycle.preStop.sleep.seconds >= 3,
        'endpoints drop the pod before it stops accepting',
      );
      const strategy = only(objects, 'Deployment', '-gateway').spec.strategy;
      assert.equal(strategy.rollingUpdate.maxUnavailable, 0, 'a rollout never removes capacity first');
    });
  }
});
