/**
 * Bundles the k6 scripts (loadtest/scripts/*.ts) into loadtest/dist/*.js with esbuild, so
 * they import event names and limits from the protocol package instead of retyping them.
 * k6 runs ES2020 modules; its own modules (`k6`, `k6/...`) stay external.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export const loadtestDir = path.resolve(import.meta.dirname, '..');
export const scriptsDir = path.join(loadtestDir, 'scripts');
export const distDir = path.join(loadtestDir, 'dist');

export function scriptNames(): string[] {
  return fs
    .readdirSync(scriptsDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Builds every script (or the given entry files); returns the bundle paths by name. */
export async function buildScripts(
  entries: string[] = scriptNames().map((n) => path.join(scriptsDir, `${n}.ts`)),
  outdir = distDir,
): Promise<Record<string, string>> {
  const names = entries.map((file) => path.basename(file, '.ts'));
  await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'neutral',
    external: ['k6', 'k6/*'],
    // k6 has no TextEncoder; nothing these scripts call needs it, so unused module-level
    // values of the protocol package must be dropped rather than evaluated.
    treeShaking: true,
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return Object.fromEntries(names.map((n) => [n, path.join(outdir, `${n}.js`)]));
}

if (import.meta.main) {
  const built = await buildScripts();
  for (const [name, file] of Object.entries(built))
    console.log(`${name}: ${path.relative(process.cwd(), file)}`);
}
