import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { serviceEnv, up } from '../../stack/src/index.ts';
import { command, runtimeEnv, target } from '../src/dockerfile.ts';
import { repoRoot } from '../src/go-tools.ts';

/**
 * The migration image's exact command (ENTRYPOINT + CMD, ENV and WORKDIR of the Dockerfile's migrate target),
 * run against the local stack's PostgreSQL with the files the image holds: `prisma migrate
 * deploy` on the JS engine must succeed, with no engine binary and nothing written under HOME
 * but /tmp.
 */
describe('the migration image runs prisma migrate deploy', () => {
  before(() => up({ only: ['postgres'] }));

  test('its command succeeds against PostgreSQL', () => {
    const steps = target('migrate');
    const [program, ...args] = command(steps);
    assert.equal(program, 'node');
    const workdir = steps.filter((s) => s.op === 'WORKDIR').at(-1)!.args;
    assert.equal(workdir, '/app/db');
    const out = spawnSync(
      process.execPath,
      args.map((a) => a.replace(/^\/app\//, `${repoRoot}/`)),
      {
        cwd: path.join(repoRoot, 'db'),
        env: { PATH: process.env.PATH, ...runtimeEnv(steps), DATABASE_URL: serviceEnv().DATABASE_URL },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(out.status, 0, `${out.stdout}\n${out.stderr}`);
    assert.match(
      `${out.stdout}${out.stderr}`,
      /No pending migrations to apply|migrations? (have been )?(successfully )?applied/i,
    );
  });
});
