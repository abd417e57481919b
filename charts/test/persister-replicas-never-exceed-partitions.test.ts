import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { effectiveValues, find, only, render, renderError, renderings } from '../src/helm.ts';

describe('the persister never runs more replicas than the topic has partitions', () => {
  for (const { name, options } of renderings()) {
    test(name, () => {
      const objects = render(options);
      const deployment = only(objects, 'Deployment', '-persister');
      const limit = (effectiveValues(options).kafka as { partitions: number }).partitions;
      assert.ok(Number.isInteger(limit) && limit > 0);
      for (const topic of find(objects, 'KafkaTopic')) assert.equal(topic.spec.partitions, limit);
      const scaled = find(objects, 'ScaledObject', '-persister');
      const hpa = find(objects, 'HorizontalPodAutoscaler', '-persister');
      assert.ok(scaled.length + hpa.length <= 1, 'one autoscaler at most');
      if (scaled[0]) {
        assert.ok(scaled[0].spec.maxReplicaCount <= limit);
        const trigger = scaled[0].spec.triggers[0];
        assert.equal(trigger.type, 'kafka');
        assert.equal(trigger.metadata.allowIdleConsumers, 'false');
        assert.equal(scaled[0].spec.scaleTargetRef.name, deployment.metadata.name);
        assert.equal(deployment.spec.replicas, undefined, 'KEDA owns the replica count');
      } else if (hpa[0]) {
        assert.ok(hpa[0].spec.maxReplicas <= limit);
        assert.equal(hpa[0].spec.metrics[0].external.metric.name, 'switchboard_persister_consumer_group_lag');
        assert.equal(deployment.spec.replicas, undefined, 'the HPA owns the replica count');
      } else {
        assert.ok(deployment.spec.replicas <= limit);
      }
    });
  }

  test('values above the partition count are refused with a clear message', () => {
    assert.match(
      renderError({
        set: { 'persister.autoscaling.enabled': true, 'persister.autoscaling.maxReplicas': 13 },
      }),
      /maxReplicas \(13\) is above kafka.partitions \(12\)/,
    );
    assert.match(renderError({ set: { 'persister.replicaCount': 13 } }), /replicaCount \(13\) is above/);
    assert.match(
      renderError({
        set: {
          'kafka.partitions': 4,
          'persister.autoscaling.enabled': true,
          'persister.autoscaling.mode': 'hpa',
          'persister.autoscaling.maxReplicas': 6,
        },
      }),
      /maxReplicas \(6\) is above kafka.partitions \(4\)/,
    );
  });
});
