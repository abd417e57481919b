import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './go-tools.ts';

export type Instruction = { op: string; args: string };

/** A Dockerfile's instructions (continuations joined, comments dropped). */
export function dockerfile(file: string): Instruction[] {
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

/** The runtime stage's ENV (KEY=value pairs; values without spaces). */
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

/** The runtime stage's command line: ENTRYPOINT then CMD (exec form). */
export function command(steps: Instruction[]): string[] {
  const exec = (op: string) => {
    const found = steps.filter((s) => s.op === op).at(-1);
    return found ? (JSON.parse(found.args) as string[]) : [];
  };
  return [...exec('ENTRYPOINT'), ...exec('CMD')];
}
