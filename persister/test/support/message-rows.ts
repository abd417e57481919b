import { serviceEnv } from '@switchboard/stack';
import pg from 'pg';

/** Reads what the persister wrote, straight from PostgreSQL. */
export const pool = new pg.Pool({ connectionString: serviceEnv().DATABASE_URL, max: 2 });
// Idle connections die when a test stops PostgreSQL; the pool replaces them on the next query.
pool.on('error', () => {});

export type StoredRow = { id: string; room: string; persisted_at: Date };

export async function rowsOfRooms(rooms: string[]): Promise<StoredRow[]> {
  const result = await pool.query<StoredRow>(
    'select id::text as id, room, persisted_at from messages where room = any($1::varchar[]) order by room, id',
    [rooms],
  );
  return result.rows;
}

export async function countRows(rooms: string[]): Promise<number> {
  const result = await pool.query<{ n: string }>(
    'select count(*) as n from messages where room = any($1::varchar[])',
    [rooms],
  );
  return Number(result.rows[0]!.n);
}

/** Every id exactly once: returns the ids missing and the ids stored more than once (none can be, by the key). */
export function missingIds(expected: string[], rows: StoredRow[]): string[] {
  const stored = new Set(rows.map((r) => r.id));
  return expected.filter((id) => !stored.has(id));
}
