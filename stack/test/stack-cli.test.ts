import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ports, status, up } from '../src/index.ts';

test('up on a running stack is harmless and everything reports healthy', async () => {
  await up();
  const rows = await status();
  for (const row of rows) {
    assert.ok(row.pid, `${row.name} has a pid`);
    assert.ok(row.healthy, `${row.name} is healthy`);
  }
  assert.equal(rows.find((r) => r.name === 'redis')?.port, ports.redis);
});
