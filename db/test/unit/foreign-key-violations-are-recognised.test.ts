import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isForeignKeyViolation } from '../../src/postgres-errors.ts';

// The shape Prisma's pg driver adapter gives a raw statement's foreign key violation (P2010),
// as seen from `INSERT INTO room_members` for a room that is not there.
const rawInsertError = {
  code: 'P2010',
  meta: {
    driverAdapterError: {
      name: 'DriverAdapterError',
      cause: { originalCode: '23503', kind: 'ForeignKeyConstraintViolation' },
    },
  },
};

test('a foreign key violation is recognised from the client code, the adapter kind or the SQLSTATE', () => {
  assert.equal(isForeignKeyViolation(rawInsertError), true);
  assert.equal(isForeignKeyViolation({ code: 'P2003' }), true);
  assert.equal(
    isForeignKeyViolation({ meta: { driverAdapterError: { cause: { kind: 'postgres', code: '23503' } } } }),
    true,
  );
});

test('other failures are not', () => {
  assert.equal(isForeignKeyViolation(new Error('connection terminated')), false);
  assert.equal(
    isForeignKeyViolation({ meta: { driverAdapterError: { cause: { originalCode: '23505' } } } }),
    false,
  );
  assert.equal(isForeignKeyViolation(undefined), false);
});
