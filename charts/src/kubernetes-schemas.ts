import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goTool, goTools, repoRoot } from './go-tools.ts';

/**
 * JSON schemas of the Kubernetes API for kubeconform, offline. They come from the PyPI package
 * `kubernetes-validate`, which ships the official OpenAPI definitions of each Kubernetes
 * release as JSON schema (the `-local-strict` flavour: unknown fields are errors). Its kind
 * schemas reference `/api/_definitions.json` under a kubernetes.io `$id`, which only its own
 * Python registry resolves; the copy for kubeconform points them at the file beside them.
 */
export const KUBERNETES_VALIDATE = { version: '1.37.0', schemas: 'v1.37.0-local-strict' } as const;

const cacheRoot = path.resolve(process.env.SB_CACHE_DIR ?? path.join(repoRoot, '.stack', 'cache'));

export function kubernetesSchemaDir(): string {
  const dir = path.join(cacheRoot, 'kubernetes-json-schema', KUBERNETES_VALIDATE.schemas);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  const download = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernetes-validate-'));
  try {
    execFileSync(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--no-deps',
        '--only-binary=:all:',
        '--dest',
        download,
        `kubernetes-validate==${KUBERNETES_VALIDATE.version}`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'], timeout: 10 * 60_000 },
    );
    const wheel = fs.readdirSync(download).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no kubernetes-validate wheel');
    // Extracted beside the target and renamed into place, so a concurrent run never sees half.
    const staging = `${dir}.${process.pid}`;
    fs.mkdirSync(staging, { recursive: true });
    // Python reads the wheel (a zip) without any extra package.
    execFileSync(
      'python3',
      ['-c', EXTRACT, path.join(download, wheel), KUBERNETES_VALIDATE.schemas, staging],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    fs.writeFileSync(path.join(staging, '.complete'), `kubernetes-validate ${KUBERNETES_VALIDATE.version}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(staging, dir);
    } catch (err) {
      // Another run put its copy in place first: use that one.
      fs.rmSync(staging, { recursive: true, force: true });
      if (!fs.existsSync(path.join(dir, '.complete'))) throw err;
    }
    return dir;
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
}

const EXTRACT = `
import json, os, sys, zipfile
wheel, flavour, out = sys.argv[1:4]
prefix = 'kubernetes_validate/kubernetes-json-schema/' + flavour + '/'
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith('.json')]
    if not names:
        sys.exit('no ' + flavour + ' schemas in ' + wheel)
    for name in names:
        text = z.read(name).decode().replace('"/api/_definitions.json#', '"_definitions.json#')
        schema = json.loads(text)
        schema.pop('$id', None)
        with open(os.path.join(out, name[len(prefix):]), 'w') as f:
            json.dump(schema, f)
`;

export type KubeconformResult = {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
};

/**
 * Validates manifest files with kubeconform in strict mode against the local schemas, in one
 * run (compiled schemas are reused across files). Kinds in `skip` (custom resources, checked by
 * their kubernetes-models validators instead) are skipped; any other kind without a schema is
 * an error, never silently passed.
 */
export function kubeconform(files: string[], skip: string[]): KubeconformResult[] {
  const dir = kubernetesSchemaDir();
  const out = spawnSync(
    goTool(goTools.kubeconform),
    [
      '-strict',
      '-output',
      'json',
      '-verbose',
      '-kubernetes-version',
      KUBERNETES_VALIDATE.version,
      '-schema-location',
      `${dir}/{{.ResourceKind}}{{.KindSuffix}}.json`,
      ...(skip.length > 0 ? ['-skip', skip.join(',')] : []),
      ...files,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (out.error) throw out.error;
  const parsed = JSON.parse(out.stdout) as { resources: KubeconformResult[] | null };
  return parsed.resources ?? [];
}
