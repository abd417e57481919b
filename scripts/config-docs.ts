/**
 * Renders each service's settings table into README.md from its config schema (the schema
 * validates the environment at start, so the table cannot drift from what the code reads).
 *   node scripts/config-docs.ts          rewrite README.md
 *   node scripts/config-docs.ts --check  exit 1 when README.md is out of date (run by make lint)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gatewayConfigSchema } from '../gateway/src/config.ts';
import { persisterConfigSchema } from '../persister/src/config.ts';
import { configTableMarkdown, type EnvSchema } from '../service-kit/src/index.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const readmePath = path.join(repoRoot, 'README.md');

const tables: Record<string, EnvSchema> = {
  gateway: gatewayConfigSchema,
  persister: persisterConfigSchema,
};

let readme = fs.readFileSync(readmePath, 'utf8');
const original = readme;
for (const [name, schema] of Object.entries(tables)) {
  const start = `<!-- settings:${name}:start -->`;
  const end = `<!-- settings:${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
  // Defaults that are absolute paths of this checkout are shown relative to the repository.
  const table = configTableMarkdown(schema).replaceAll(repoRoot, '<repo>');
  readme = `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`;
}

// Biome formats Markdown (it pads tables); compare and write in its format so lint agrees.
const formatted = spawnSync(
  path.join(repoRoot, 'node_modules', '.bin', 'biome'),
  ['format', '--stdin-file-path=README.md'],
  {
    input: readme,
    encoding: 'utf8',
  },
);
if (formatted.status !== 0) throw new Error(`biome could not format README.md: ${formatted.stderr}`);
readme = formatted.stdout;

if (process.argv.includes('--check')) {
  if (readme !== original) {
    console.error('README.md settings tables are out of date: run `make docs`');
    process.exit(1);
  }
} else if (readme !== original) {
  fs.writeFileSync(readmePath, readme);
  console.log('README.md settings tables updated');
}
