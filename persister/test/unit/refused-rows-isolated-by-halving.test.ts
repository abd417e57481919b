import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeIsolatingRejects } from '../../src/message-writer.ts';

/**
 * The halving rule on its own, with an in-memory table that refuses some values the way
 * PostgreSQL refuses a row (all or nothing per statement). The same rule against PostgreSQL:
 * persister/test/rows-postgres-refuses-are-isolated.test.ts.
 */
class Table {
  readonly rows: string[] = [];
  statements = 0;
  insert = async (rows: string[]): Promise<number> => {
    this.statements++;
    const bad = rows.find((r) => r.startsWith('bad'));
    if (bad) throw Object.assign(new Error(`refused ${bad}`), { refused: bad });
    const fresh = rows.filter((r) => !this.rows.includes(r));
    this.rows.push(...fresh);
    return fresh.length;
  };
}
const rejection = (err: unknown) =>
  (err as { refused?: string }).refused && `refused: ${(err as Error).message}`;

test('a refused row is isolated; its neighbours are written, in order', async () => {
  const table = new Table();
  const rows = ['a', 'b', 'c', 'bad-d', 'e', 'f', 'g'];
  const result = await writeIsolatingRejects(rows, table.insert, rejection);
  assert.equal(result.inserted, 6);
  assert.deepEqual(result.rejected, [{ row: 'bad-d', error: 'refused: refused bad-d' }]);
  assert.deepEqual(table.rows, ['a', 'b', 'c', 'e', 'f', 'g']);
});

test('a chunk without refused rows is one statement', async () => {
  const table = new Table();
  const result = await writeIsolatingRejects(['a', 'b', 'c'], table.insert, rejection);
  assert.deepEqual(result, { inserted: 3, rejected: [] });
  assert.equal(table.statements, 1);
});

test('several refused rows are all found; rows already present count as not inserted', async () => {
  const table = new Table();
  await table.insert(['a']);
  const result = await writeIsolatingRejects(['a', 'bad-1', 'b', 'bad-2', 'c'], table.insert, rejection);
  assert.equal(result.inserted, 2);
  assert.deepEqual(
    result.rejected.map((r) => r.row),
    ['bad-1', 'bad-2'],
  );
});

test('a failure that is not about the data is thrown, for the whole chunk to be retried', async () => {
  const down = async () => {
    throw new Error('connection refused');
  };
  await assert.rejects(writeIsolatingRejects(['a', 'b'], down, rejection), /connection refused/);
});
