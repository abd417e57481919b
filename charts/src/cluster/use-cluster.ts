import { after, before } from 'node:test';
import { type Cluster, runningCluster, startCluster, stopCluster } from './control-plane.ts';

/**
 * The control plane for a test file: the one `make test-cluster` started, or one of its own,
 * started before the file's tests and stopped (by pid) after them.
 */
export function useCluster(): () => Cluster {
  let cluster: Cluster | undefined;
  let ownCluster = false;
  before(async () => {
    cluster = runningCluster();
    if (!cluster) {
      ownCluster = true;
      cluster = await startCluster();
    }
  });
  after(async () => {
    if (ownCluster) await stopCluster();
  });
  return () => {
    if (!cluster) throw new Error('the control plane is not started (useCluster runs in before())');
    return cluster;
  };
}
