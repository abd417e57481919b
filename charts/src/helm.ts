import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { chartDir, goTool, goTools } from './go-tools.ts';

/** The Kubernetes version the chart is rendered and validated for. */
export const KUBE_VERSION = '1.37.0';
export const RELEASE = 'sb';
export const NAMESPACE = 'switchboard';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  // Labels and annotations may be absent; a test that reads a missing one fails, as it should.
  // biome-ignore lint/suspicious/noExplicitAny: rendered metadata is read field by field
  metadata: { name: string; namespace?: string; labels?: any; annotations?: any };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary Kubernetes objects
  [key: string]: any;
};

/** The example values files shipped with the chart (each one rendered by the tests). */
export const exampleValues = [
  'values-kind.yaml',
  'values-production.yaml',
  'values-autoscaling-off.yaml',
  'values-gateway-api.yaml',
  'values-ingress-traefik.yaml',
  'values-ingress-haproxy.yaml',
  'values-operators.yaml',
  'values-redis-cluster.yaml',
] as const;

export function examplePath(file: string): string {
  return path.join(chartDir, 'examples', file);
}

export type RenderOptions = {
  valuesFiles?: string[];
  set?: Record<string, string | number | boolean>;
  release?: string;
  namespace?: string;
  /** Another copy of the chart (tests that rewrite a template). */
  chart?: string;
};

function valueArgs(options: RenderOptions): string[] {
  return [
    ...(options.valuesFiles ?? []).flatMap((f) => ['-f', f]),
    ...Object.entries(options.set ?? {}).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
  ];
}

function helm(args: string[]) {
  return spawnSync(goTool(goTools.helm), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** `helm template` output as text; throws with helm's message when rendering fails. */
export function renderText(options: RenderOptions = {}): string {
  const out = helm([
    'template',
    options.release ?? RELEASE,
    options.chart ?? chartDir,
    '--namespace',
    options.namespace ?? NAMESPACE,
    '--kube-version',
    KUBE_VERSION,
    ...valueArgs(options),
  ]);
  if (out.status !== 0) throw new Error(`helm template failed: ${out.stderr.trim()}`);
  return out.stdout;
}

const cache = new Map<string, KubeObject[]>();

/** Rendered objects (hooks and test pods included), parsed. */
export function render(options: RenderOptions = {}): KubeObject[] {
  const key = JSON.stringify(options);
  let objects = cache.get(key);
  if (!objects) {
    objects = parseAllDocuments(renderText(options))
      .map((doc) => {
        if (doc.errors.length > 0) throw new Error(`rendered YAML is invalid: ${doc.errors[0]?.message}`);
        return doc.toJS() as KubeObject | null;
      })
      .filter((o): o is KubeObject => o !== null);
    cache.set(key, objects);
  }
  return objects;
}

/** Renders and returns helm's error message, for settings the chart must refuse. */
export function renderError(options: RenderOptions): string {
  try {
    renderText(options);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected helm template to fail with ${JSON.stringify(options)}`);
}

export function lint(options: RenderOptions = {}): { ok: boolean; output: string } {
  const out = helm(['lint', '--strict', chartDir, '--kube-version', KUBE_VERSION, ...valueArgs(options)]);
  return { ok: out.status === 0, output: `${out.stdout}${out.stderr}` };
}

export function find(objects: KubeObject[], kind: string, nameSuffix = ''): KubeObject[] {
  return objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
}

export function only(objects: KubeObject[], kind: string, nameSuffix = ''): KubeObject {
  const found = find(objects, kind, nameSuffix);
  if (found.length !== 1) throw new Error(`expected one ${kind} *${nameSuffix}, found ${found.length}`);
  return found[0]!;
}

/** Every rendering the tests check: defaults and each example values file. */
export function renderings(): { name: string; options: RenderOptions }[] {
  return [
    { name: 'defaults', options: {} },
    ...exampleValues.map((file) => ({ name: file, options: { valuesFiles: [examplePath(file)] } })),
  ];
}

/** The values a rendering uses: values.yaml deep-merged with its values files (not --set). */
export function effectiveValues(options: RenderOptions = {}): Record<string, unknown> {
  const read = (file: string) => parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  return (options.valuesFiles ?? []).reduce(
    (merged, file) => deepMerge(merged, read(file)),
    read(path.join(chartDir, 'values.yaml')),
  );
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && b && typeof v === 'object' && typeof b === 'object' && !Array.isArray(v) && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
