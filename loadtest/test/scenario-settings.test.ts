/**
 * Scenario settings come from the environment with documented defaults, bad values are
 * refused with the variable's name, and the runner mints one token per connection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { driftFails, latencyDrift } from '../src/run-scenario.ts';
import { durationMs, fanoutParams, soakParams, usersNeeded } from '../src/scenario-params.ts';

const target = { SB_TARGET: 'http://127.0.0.1:13000' };

test('defaults apply, and every knob is read from its variable', () => {
  const defaults = fanoutParams(target);
  assert.equal(defaults.rooms, 10);
  assert.equal(defaults.duration, '30s');
  assert.deepEqual(defaults.targets, []);
  const set = fanoutParams({ ...target, SB_ROOMS: '3', SB_RATE: '2.5', SB_TARGETS: 'http://a, http://b' });
  assert.equal(set.rooms, 3);
  assert.equal(set.rate, 2.5);
  assert.deepEqual(set.targets, ['http://a', 'http://b']);
  assert.equal(soakParams(target).duration, '30m', 'soak runs long unless told otherwise');
  assert.equal(soakParams({ ...target, SB_DURATION: '5m' }).duration, '5m');
});

test('a missing target or a bad number names the variable', () => {
  assert.throws(() => fanoutParams({}), /SB_TARGET is required/);
  assert.throws(() => fanoutParams({ ...target, SB_ROOMS: 'many' }), /SB_ROOMS/);
  assert.throws(() => fanoutParams({ ...target, SB_MEMBERS: '2.5' }), /SB_MEMBERS must be an integer/);
});

test('one token per concurrent connection', () => {
  assert.equal(usersNeeded('fanout', { ...target, SB_ROOMS: '4', SB_MEMBERS: '5', SB_PUBLISHERS: '2' }), 28);
  assert.equal(usersNeeded('connect', { ...target, SB_MAX_CONNECTIONS: '300' }), 300);
  assert.throws(() => usersNeeded('nope', target), /unknown scenario/);
});

test('k6 durations convert to milliseconds', () => {
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('2h'), 7_200_000);
  assert.throws(() => durationMs('soon'), /not a duration/);
  assert.throws(() => durationMs('10s later'), /not a duration/);
});

test('a soak fails on latency drift only when it is both relative and absolute', () => {
  const summary = (early: number, late: number) => ({
    metrics: {
      'sb_delivery_latency{window:early}': { 'p(95)': early },
      'sb_delivery_latency{window:late}': { 'p(95)': late },
    },
  });
  const drift = (early: number, late: number) => latencyDrift(summary(early, late))!;
  assert.equal(driftFails(drift(100, 400), 1.5, 50), true, 'x4 and +300 ms');
  assert.equal(driftFails(drift(8, 20), 1.5, 50), false, 'x2.5 but only +12 ms');
  assert.equal(driftFails(drift(400, 500), 1.5, 50), false, '+100 ms but only x1.25');
  assert.equal(latencyDrift({ metrics: {} }), undefined);
});
