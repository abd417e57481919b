import assert from 'node:assert/strict';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DOCKERFILE, dockerfile, stages, target } from '../src/dockerfile.ts';
import { repoRoot } from '../src/go-tools.ts';

/** Every module a service loads from its main.ts: files and bare package names. */
function importClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g,
    )) {
      if (!spec) continue;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else if (spec.startsWith('@switchboard/')) {
        visit(path.join(repoRoot, spec.slice('@switchboard/'.length), 'src', 'index.ts'));
      } else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  };
  visit(path.join(repoRoot, entry));
  return { files, packages };
}

function productionDependencies(workspace: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, workspace, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies ?? {});
}

describe('each image holds exactly what its service loads, built as the chart runs it', () => {
  const file = dockerfile();

  test('one Dockerfile: every target runs on the one shared dependency stage', () => {
    const byName = stages(file);
    const installs = file.filter((s) => s.op === 'RUN' && /npm install --omit=dev/.test(s.args));
    assert.equal(installs.length, 1, 'production dependencies are installed once');
    assert.ok(byName.get('deps')?.steps.includes(installs[0]!), 'in the deps stage');
    for (const name of ['gateway', 'persister', 'migrate']) {
      const copies = target(name, file).filter((s) => s.op === 'COPY');
      assert.ok(
        copies.some((c) => c.args === '--from=deps /app/node_modules/ node_modules/'),
        `${name} takes node_modules from deps`,
      );
    }
  });

  for (const service of ['gateway', 'persister']) {
    test(`${DOCKERFILE} --target ${service}`, () => {
      const steps = target(service, file);
      const { files, packages } = importClosure(`${service}/src/main.ts`);
      const workspaces = new Set([...files].map((f) => path.relative(repoRoot, f).split(path.sep)[0]!));
      for (const expected of ['kafkajs', 'prom-client', '@prisma/adapter-pg'])
        assert.ok(packages.has(expected), expected);
      for (const expected of ['protocol', 'service-kit', 'db', service])
        assert.ok(workspaces.has(expected), expected);
      // Every workspace whose sources the service loads is copied into the runtime image.
      const copies = steps.filter((s) => s.op === 'COPY').map((s) => s.args);
      for (const ws of workspaces) {
        assert.ok(
          copies.some((c) => c.includes(`${ws}/src/`)),
          `${service} loads ${ws}/src but the image does not copy it`,
        );
      }
      // Every package it imports is a production dependency of one of those workspaces,
      // so `npm install --omit=dev` puts it in the image.
      const declared = new Set([...workspaces].flatMap(productionDependencies));
      assert.deepEqual(
        [...packages].filter((p) => !declared.has(p)),
        [],
        `${service} imports packages no copied workspace declares as a dependency`,
      );
      assert.match(
        steps[0]?.args ?? '',
        /^\$\{NODE_IMAGE\}$/,
        'runs on the Node image, not on a build stage',
      );
      const nodeImage = file.find((s) => s.op === 'ARG' && s.args.startsWith('NODE_IMAGE='))?.args;
      assert.match(nodeImage ?? '', /^NODE_IMAGE=node:24-/, 'Node.js 24 LTS');
      // The dependency stage the image copies node_modules and the Prisma client from.
      const run = target('deps', file)
        .filter((s) => s.op === 'RUN')
        .map((s) => s.args);
      assert.ok(
        run.some((r) => /npm install --omit=dev/.test(r)),
        'production dependencies only',
      );
      assert.ok(
        run.some((r) => r.includes('npm run generate -w @switchboard/db')),
        'Prisma client generated',
      );
      const user = steps.filter((s) => s.op === 'USER').at(-1)?.args ?? '';
      assert.match(user, /^[1-9]\d*(:[1-9]\d*)?$/, 'numeric non-root user (runAsNonRoot can verify it)');
      assert.ok(!steps.some((s) => s.op === 'HEALTHCHECK'), 'Kubernetes probes do the health checks');
      assert.equal(steps.find((s) => s.op === 'CMD')?.args, `["${service}/src/main.ts"]`);
      for (const c of copies.filter((c) => !c.startsWith('--from'))) {
        for (const source of c.split(/\s+/).slice(0, -1)) {
          assert.ok(fs.existsSync(path.join(repoRoot, source)), `COPY source ${source} exists`);
        }
      }
    });
  }

  test('the gateway image serves the built web client from WEB_ROOT’s default folder', async () => {
    const { gatewayConfigSchema } = await import('../../gateway/src/config.ts');
    const webRoot = gatewayConfigSchema.shape.WEB_ROOT.parse(undefined);
    const steps = target('gateway');
    const workdir = steps.filter((s) => s.op === 'WORKDIR').at(-1)?.args;
    assert.equal(workdir, '/app');
    assert.ok(
      steps.some(
        (s) => s.op === 'COPY' && s.args === `--from=web /app/web/dist/ ${path.relative(repoRoot, webRoot)}/`,
      ),
    );
    assert.ok(
      target('web').some((s) => s.op === 'RUN' && s.args.includes('npm run build -w @switchboard/web')),
    );
  });

  test('the migrate target runs prisma migrate deploy with the config and migrations it needs', () => {
    const steps = target('migrate');
    const copies = steps.filter((s) => s.op === 'COPY').map((s) => s.args);
    for (const needed of ['db/prisma.config.ts', 'db/prisma/', 'db/src/migration-adapter.ts'])
      assert.ok(
        copies.some((c) => c.includes(needed)),
        needed,
      );
    const config = fs.readFileSync(path.join(repoRoot, 'db', 'prisma.config.ts'), 'utf8');
    for (const [, rel] of config.matchAll(/from '(\.[^']+)'/g)) {
      const file = path.join('db', rel!);
      assert.ok(
        copies.some((c) => c.includes(file)),
        `prisma.config.ts imports ${file}`,
      );
    }
    assert.equal(steps.find((s) => s.op === 'CMD')?.args, '["migrate", "deploy"]');
    assert.match(steps.find((s) => s.op === 'ENTRYPOINT')?.args ?? '', /prisma\/build\/index\.js/);
    assert.ok(productionDependencies('db').includes('prisma'), 'the prisma CLI is a production dependency');
    assert.match(steps.filter((s) => s.op === 'USER').at(-1)?.args ?? '', /^[1-9]\d*/);
  });
});
