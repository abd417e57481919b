import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareLogIds, logIdAt, parseLogId } from '../../src/fan-out/log-ids.ts';

test('log ids order by time, then by sequence (not as text)', () => {
  assert.ok(compareLogIds('9-0', '10-0') < 0);
  assert.ok(compareLogIds('10-2', '10-10') < 0);
  assert.equal(compareLogIds('10-1', '10-1'), 0);
  assert.ok(compareLogIds('1796225132455-1', '1796225132455-0') > 0);
  assert.deepEqual(['10-10', '9-5', '10-2'].sort(compareLogIds), ['9-5', '10-2', '10-10']);
});

test('only well-formed ids are read; an offset from elsewhere is not one', () => {
  assert.deepEqual(parseLogId('1796225132455-7'), { ms: 1796225132455, seq: 7 });
  for (const bad of ['', '12', '12-', '-1', 'a-1', '1-1-1', '0x1-0', `${'9'.repeat(16)}-0`]) {
    assert.equal(parseLogId(bad), undefined, bad);
  }
  assert.throws(() => compareLogIds('1-0', 'nope'), /not a log id: nope/);
});

test('a time becomes the first id of its millisecond', () => {
  assert.equal(logIdAt(1234), '1234-0');
  assert.ok(compareLogIds(logIdAt(1234), '1234-0') === 0 && compareLogIds(logIdAt(1234), '1233-99') > 0);
});
