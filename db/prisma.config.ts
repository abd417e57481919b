import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { migrationAdapter } from './src/migration-adapter.ts';

// No schema-engine binary can be downloaded where Switchboard is built, so Prisma runs on its
// JavaScript engine through the pg driver adapter, for the CLI (migrate) as for the runtime.
export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join(import.meta.dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(import.meta.dirname, 'prisma', 'migrations') },
  adapter: async () => migrationAdapter(requireDatabaseUrl()),
});

function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: prisma needs it to reach PostgreSQL');
  return url;
}
