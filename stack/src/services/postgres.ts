import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { dirs, HOST, ports, postgresSettings, repoRoot, serviceEnv } from '../layout.ts';
import type { StackService } from '../service.ts';

const dataDir = () => path.join(dirs.data, 'postgres');
const socketDir = () => path.join(dirs.run, 'postgres');
const isRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root; as root, run it as the `postgres` system user. */
function asPostgresUser(command: string, args: string[]): { command: string; args: string[] } {
  if (!isRoot) return { command, args };
  return {
    command: 'setpriv',
    args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args],
  };
}

function pgBin(name: string): string {
  for (const dir of fs.existsSync('/usr/lib/postgresql')
    ? fs.readdirSync('/usr/lib/postgresql').sort().reverse()
    : []) {
    const candidate = path.join('/usr/lib/postgresql', dir, 'bin', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return name;
}

export const postgres: StackService = {
  name: 'postgres',
  description: 'PostgreSQL (message rows)',
  port: 'postgres',
  dependsOn: [],
  provision: async (log) => {
    fs.mkdirSync(socketDir(), { recursive: true });
    if (isRoot) execFileSync('chown', ['postgres:postgres', socketDir()]);
    if (fs.existsSync(path.join(dataDir(), 'PG_VERSION'))) return;
    log('initdb: creating a PostgreSQL cluster');
    fs.mkdirSync(dataDir(), { recursive: true });
    if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', dataDir()]);
    const { command, args } = asPostgresUser(pgBin('initdb'), [
      '-D',
      dataDir(),
      '-U',
      postgresSettings.user,
      '--auth=trust',
      '--encoding=UTF8',
      '--no-instructions',
    ]);
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.stdout}`);
  },
  spawn: () => {
    const { command, args } = asPostgresUser(pgBin('postgres'), [
      '-D',
      dataDir(),
      '-p',
      String(ports.postgres),
      '-k',
      socketDir(),
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
    ]);
    return { name: 'postgres', command, args };
  },
  ready: async () => {
    const client = new pg.Client({
      host: HOST,
      port: ports.postgres,
      user: postgresSettings.user,
      database: 'postgres',
    });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  },
  afterReady: async (log) => {
    const client = new pg.Client({
      host: HOST,
      port: ports.postgres,
      user: postgresSettings.user,
      database: 'postgres',
    });
    await client.connect();
    try {
      const exists = await client.query('select 1 from pg_database where datname = $1', [
        postgresSettings.database,
      ]);
      if (exists.rowCount === 0) {
        log(`creating database ${postgresSettings.database}`);
        await client.query(`create database ${postgresSettings.database}`);
      }
    } finally {
      await client.end();
    }
    if (await migrationsApplied()) return;
    log('applying migrations (prisma migrate deploy)');
    const result = spawnSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
      cwd: path.join(repoRoot, 'db'),
      env: { ...process.env, DATABASE_URL: serviceEnv().DATABASE_URL },
      encoding: 'utf8',
    });
    if (result.status !== 0)
      throw new Error(`prisma migrate deploy failed:\n${result.stdout}\n${result.stderr}`);
  },
  startTimeoutMs: 30_000,
  stopGraceMs: 15_000,
  // SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client to leave.
  stopSignal: 'SIGINT',
};

/**
 * `prisma migrate deploy` on the JS engine lingers ~10 s after its work, so a warm `up` skips
 * it when every migration folder is already recorded as finished.
 */
async function migrationsApplied(): Promise<boolean> {
  const folder = path.join(repoRoot, 'db', 'prisma', 'migrations');
  const wanted = fs.readdirSync(folder).filter((f) => fs.statSync(path.join(folder, f)).isDirectory());
  const client = new pg.Client(serviceEnv().DATABASE_URL);
  await client.connect();
  try {
    const applied = await client.query<{ migration_name: string }>(
      'select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null',
    );
    const names = new Set(applied.rows.map((r) => r.migration_name));
    return wanted.every((w) => names.has(w));
  } catch {
    return false; // no _prisma_migrations table yet
  } finally {
    await client.end();
  }
}
