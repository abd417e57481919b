import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, httpStatus, SwitchboardError, toSwitchboardError, unavailable } from '../../src/index.ts';

test('errors carry their code and retryability to the wire', () => {
  assert.deepEqual(new SwitchboardError(ErrorCode.Unavailable, 'kafka down', { retryAfterMs: 500 }).toAck(), {
    ok: false,
    error: { code: 'UNAVAILABLE', message: 'kafka down', retryable: true, retryAfterMs: 500 },
  });
  assert.equal(new SwitchboardError(ErrorCode.TooLarge, 'too big').retryable, false);
  assert.equal(new SwitchboardError(ErrorCode.Conflict, 'exists').retryable, false);
});

test('an infrastructure failure is UNAVAILABLE, retryable after a second by default, cause kept', () => {
  const cause = new Error('ECONNREFUSED');
  const error = unavailable('the history store is unavailable', cause);
  assert.deepEqual(error.toBody(), {
    code: 'UNAVAILABLE',
    message: 'the history store is unavailable',
    retryable: true,
    retryAfterMs: 1000,
  });
  assert.equal(error.cause, cause);
  assert.equal(unavailable('busy', undefined, 250).retryAfterMs, 250);
});

test('a SwitchboardError passes through toSwitchboardError unreported', () => {
  const reported: unknown[] = [];
  const original = new SwitchboardError(ErrorCode.Forbidden, 'not yours');
  assert.equal(
    toSwitchboardError(original, (err) => reported.push(err)),
    original,
  );
  assert.deepEqual(reported, []);
});

test('anything else becomes INTERNAL without details and is reported once', () => {
  const reported: unknown[] = [];
  const bug = new TypeError("Cannot read properties of undefined (reading 'room')");
  const error = toSwitchboardError(bug, (err) => reported.push(err));
  assert.deepEqual(error.toBody(), { code: 'INTERNAL', message: 'internal error', retryable: true });
  assert.equal(error.cause, bug);
  assert.deepEqual(reported, [bug]);
  // Without a reporter the mapping is the same.
  assert.equal(toSwitchboardError('a thrown string').code, 'INTERNAL');
});

test('every error code has its HTTP status', () => {
  const expected: Record<ErrorCode, number> = {
    UNAUTHENTICATED: 401,
    FORBIDDEN: 403,
    INVALID: 400,
    TOO_LARGE: 413,
    RATE_LIMITED: 429,
    UNAVAILABLE: 503,
    NOT_JOINED: 403,
    UNKNOWN_EVENT: 404,
    NOT_FOUND: 404,
    CONFLICT: 409,
    INTERNAL: 500,
  };
  for (const code of Object.values(ErrorCode)) assert.equal(httpStatus(code), expected[code], code);
});
