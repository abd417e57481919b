import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

/** The repository root (charts/src/ is two levels down). */
export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const chartDir = path.join(repoRoot, 'charts', 'switchboard');

/**
 * Pinned Go tools of the chart checks, built once by scripts/ensure-go-tool.sh into
 * .stack/cache/bin (a first build takes minutes; later runs reuse the binary).
 */
export const goTools = {
  helm: 'helm.sh/helm/v3/cmd/helm@v3.22.0',
  kubeconform: 'github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0',
  // v0.316.0 needs module versions the proxy does not serve; v0.315.0 is built in its module
  // folder (its go.mod has a replace directive).
  promtool: 'github.com/prometheus/prometheus/cmd/promtool@v0.315.0',
} as const;

const resolved = new Map<string, string>();
const script = path.join(repoRoot, 'scripts', 'ensure-go-tool.sh');

/** Path of a pinned Go tool, building it on first use. */
export function goTool(spec: string): string {
  let bin = resolved.get(spec);
  if (!bin) {
    bin = execFileSync(script, [spec], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      // A cold `go install` of helm on two busy cores.
      timeout: 30 * 60_000,
    }).trim();
    resolved.set(spec, bin);
  }
  return bin;
}

/** Path of a pinned Go tool if it is already built (or reusable); never builds. */
export function goToolIfBuilt(spec: string): string | undefined {
  const out = spawnSync(script, ['--if-built', spec], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}
