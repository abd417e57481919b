import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StrikeCounter } from '../../src/limits/event-abuse.ts';

test('up to max strikes in a window are tolerated; the next one is past the threshold', () => {
  const counter = new StrikeCounter({ max: 3, windowMs: 1000 });
  assert.deepEqual(
    [0, 10, 20, 30].map((t) => counter.strike(1_000_000 + t)),
    [false, false, false, true],
  );
});

test('strikes spread over windows never close a connection', () => {
  const counter = new StrikeCounter({ max: 3, windowMs: 1000 });
  for (let i = 0; i < 50; i++) assert.equal(counter.strike(1_000_000 + i * 400), false);
});
