import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SwitchboardError } from '@switchboard/protocol';
import { describeSendFailure } from '../../src/core/send-failure.ts';

/**
 * Under a refused message the sender reads why, and gets Retry (the same clientMsgId and body
 * again) only where that can succeed: never for CONFLICT, whose id already names another text.
 */
const body = (code: ConstructorParameters<typeof SwitchboardError>[0], message: string) =>
  new SwitchboardError(code, message).toBody();

test('CONFLICT reads as "already sent under this id", with no Retry', () => {
  const failure = describeSendFailure(
    body('CONFLICT', 'this clientMsgId was already used for a different message'),
  );
  assert.equal(failure.canRetry, false);
  assert.match(failure.text, /CONFLICT/);
  assert.match(failure.text, /already sent under this message’s id/);
  assert.match(failure.text, /as a new message/);
});

test('TOO_LARGE says so and asks for a shorter message, with no Retry', () => {
  const failure = describeSendFailure(body('TOO_LARGE', 'the body exceeds 16384 bytes'));
  assert.equal(failure.canRetry, false);
  assert.match(failure.text, /TOO_LARGE.*16384 bytes.*Shorten/);
});

test('retryable refusals keep their code and message and offer Retry; other refusals do not', () => {
  for (const code of ['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL'] as const) {
    const failure = describeSendFailure(body(code, 'try later'));
    assert.deepEqual(failure, { text: `Not sent: ${code} (try later)`, canRetry: true });
  }
  for (const code of ['FORBIDDEN', 'INVALID', 'NOT_JOINED'] as const) {
    assert.equal(describeSendFailure(body(code, 'no')).canRetry, false, code);
  }
});
