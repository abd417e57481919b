import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './go-tools.ts';

export type Instruction = { op: string; args: string };

/** The repository's one Dockerfile: a target per image, sharing one dependency stage. */
export const DOCKERFILE = 'Dockerfile';

/** The image each target builds, as skaffold and `make images` tag it. */
export const TARGETS = {
  gateway: 'switchboard-gateway',
  persister: 'switchboard-persister',
  migrate: 'switchboard-migrate',
} as const;

/** A Dockerfile's instructions (continuations joined, comments dropped). */
export function dockerfile(file = DOCKERFILE): Instruction[] {
  const text = fs.readFileSync(path.join(repoRoot, file), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The stages of a Dockerfile by name: the image each starts FROM and its instructions. */
export function stages(steps: Instruction[]): Map<string, { from: string; steps: Instruction[] }> {
  const out = new Map<string, { from: string; steps: Instruction[] }>();
  let current: Instruction[] | undefined;
  steps.forEach((s, i) => {
    if (s.op !== 'FROM') {
      current?.push(s);
      return;
    }
    const [from = '', as, name] = s.args.split(/\s+/);
    current = [];
    out.set(as?.toUpperCase() === 'AS' && name ? name : String(i), { from, steps: current });
  });
  return out;
}

/**
 * What a target's image is made of: the instructions of the target's stage and of every stage
 * it is built FROM, base first, under the FROM of the external base image.
 */
export function target(name: string, steps: Instruction[] = dockerfile()): Instruction[] {
  const byName = stages(steps);
  const chain: Instruction[][] = [];
  let stage = byName.get(name);
  if (!stage) throw new Error(`Dockerfile has no target ${name}`);
  for (;;) {
    chain.unshift(stage.steps);
    const base = byName.get(stage.from);
    if (!base) break;
    stage = base;
  }
  return [{ op: 'FROM', args: stage.from }, ...chain.flat()];
}

/** The image's ENV (KEY=value pairs; values without spaces), from a target's instructions. */
export function runtimeEnv(steps: Instruction[]): Record<string, string> {
  const lastFrom = steps.map((s) => s.op).lastIndexOf('FROM');
  const env: Record<string, string> = {};
  for (const s of steps.slice(lastFrom).filter((s) => s.op === 'ENV')) {
    for (const pair of s.args.split(/\s+/)) {
      const [k, ...v] = pair.split('=');
      if (k) env[k] = v.join('=');
    }
  }
  return env;
}

/** The image's command line: ENTRYPOINT then CMD (exec form), from a target's instructions. */
export function command(steps: Instruction[]): string[] {
  const exec = (op: string) => {
    const found = steps.filter((s) => s.op === op).at(-1);
    return found ? (JSON.parse(found.args) as string[]) : [];
  };
  return [...exec('ENTRYPOINT'), ...exec('CMD')];
}
