/**
 * A join the gateway refuses is said in words with its code: FORBIDDEN (a private room the
 * user is not a member of) and NOT_FOUND (no such room where rooms are not created on join),
 * which the local stack cannot show in the browser (it creates rooms on join).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { describeJoinRefusal, describeRoomsError } from '../../src/core/room-refusals.ts';

test('FORBIDDEN and NOT_FOUND joins say why, with the code', () => {
  const forbidden = new SwitchboardError(ErrorCode.Forbidden, 'not a member of room "ops"');
  assert.equal(
    describeJoinRefusal('ops', forbidden),
    'you may not join "ops": not a member of room "ops"; a private room\'s owner or admins add its members (FORBIDDEN)',
  );
  const missing = new SwitchboardError(ErrorCode.NotFound, 'room "nope" does not exist');
  assert.equal(describeJoinRefusal('nope', missing), 'there is no room "nope"; create it first (NOT_FOUND)');
  const other = new SwitchboardError(ErrorCode.RateLimited, 'slow down');
  assert.equal(describeJoinRefusal('ops', other), 'slow down (RATE_LIMITED)');
});

test("other room refusals keep the gateway's words and add the code", () => {
  const taken = new SwitchboardError(ErrorCode.Conflict, 'room "ops" already exists');
  assert.equal(describeRoomsError(taken), 'room "ops" already exists (CONFLICT)');
});
