import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitUntil } from '../../src/retry.ts';

test('resolves true as soon as the check holds, sync or async', async () => {
  let calls = 0;
  assert.equal(await waitUntil(() => ++calls === 3, { timeoutMs: 10_000, intervalMs: 1 }), true);
  assert.equal(calls, 3);
  assert.equal(await waitUntil(async () => true, { timeoutMs: 10_000 }), true);
});

test('resolves false when the check never holds before the timeout', async () => {
  let calls = 0;
  const met = await waitUntil(
    () => {
      calls++;
      return false;
    },
    { timeoutMs: 30, intervalMs: 5 },
  );
  assert.equal(met, false);
  assert.ok(calls >= 2, `checked ${calls} times`);
});

test('a check that throws ends the wait with its error', async () => {
  await assert.rejects(
    waitUntil(
      () => {
        throw new Error('the process exited');
      },
      { timeoutMs: 10_000 },
    ),
    /the process exited/,
  );
});

test('sleep ends early, without an error, when its signal aborts', async () => {
  const stop = new AbortController();
  const slept = sleep(60_000, stop.signal);
  stop.abort();
  assert.equal(await slept, undefined);
  assert.equal(await sleep(60_000, AbortSignal.abort()), undefined);
});

test('a check that straddles the deadline is followed by one more before giving up', async () => {
  const answers = [false, true];
  const met = await waitUntil(
    async () => {
      // The first check outlasts the whole timeout (a stalled event loop, a slow probe).
      if (answers.length === 2) await sleep(30);
      return answers.shift()!;
    },
    { timeoutMs: 10, intervalMs: 1 },
  );
  assert.equal(met, true);
});
