import { runningCluster } from '/work/main/charts/src/cluster/control-plane.ts';
import { checkRelease, releaseManifest, leftovers, templateHashes, hookRuns } from '/work/main/charts/src/cluster/release-checks.ts';
const c = runningCluster()!;
const ns = process.argv[2]!;
try { checkRelease(c, ns, releaseManifest(c, 'sb', ns)); console.log('ok'); } catch (e) { console.log(String(e).slice(0, 1500)); }
console.log(templateHashes(c, 'sb-switchboard-gateway', ns), JSON.stringify(hookRuns(c, 'sb', ns)).slice(0, 600));
