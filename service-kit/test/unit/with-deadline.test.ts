import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDeadline } from '../../src/retry.ts';

const never = new Promise<never>(() => {});

test('work that settles in time passes its value or its error through', async () => {
  assert.equal(await withDeadline(Promise.resolve(42), 1_000, () => new Error('late')), 42);
  await assert.rejects(
    withDeadline(Promise.reject(new Error('refused')), 1_000, () => new Error('late')),
    /refused/,
  );
});

test('work that does not settle fails with the timeout error', async () => {
  await assert.rejects(
    withDeadline(never, 5, () => new Error('took longer than 5 ms')),
    /took longer than 5 ms/,
  );
});

test('the timer is cleared once the work settles: the timeout never fires', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let timeouts = 0;
  const done = withDeadline(Promise.resolve('ok'), 100, () => {
    timeouts++;
    return new Error('late');
  });
  return done.then((value) => {
    t.mock.timers.tick(1_000);
    assert.equal(value, 'ok');
    assert.equal(timeouts, 0);
  });
});

test('an abort signal gives up at once with its reason', async () => {
  const stop = new AbortController();
  const pending = withDeadline(never, 60_000, () => new Error('late'), stop.signal);
  stop.abort(new Error('shutting down'));
  await assert.rejects(pending, /shutting down/);
  const aborted = AbortSignal.abort(new Error('already stopped'));
  await assert.rejects(
    withDeadline(never, 60_000, () => new Error('late'), aborted),
    /already stopped/,
  );
});
