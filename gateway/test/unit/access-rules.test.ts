import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type RoomRole, SwitchboardError } from '@switchboard/protocol';
import {
  type AccessContext,
  type Actor,
  assertAllowed,
  assertCreatableName,
  assertMemberChange,
  isAllowed,
  type RoomAction,
  type RoomFacts,
} from '../../src/rooms/access-rules.ts';

const PUBLIC: RoomFacts = { visibility: 'public', direct: false };
const PRIVATE: RoomFacts = { visibility: 'private', direct: false };
const DIRECT: RoomFacts = { visibility: 'private', direct: true };

const user = (role: RoomRole | undefined, tokenRooms?: string[]): Actor => ({
  kind: 'user',
  user: 'u',
  role,
  tokenRooms,
});
const ctx = (facts: RoomFacts | undefined, actor: Actor): AccessContext => ({ room: 'r', facts, actor });

function refusal(fn: () => void): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SwitchboardError, `not a SwitchboardError: ${err}`);
    return { code: err.code, message: err.message };
  }
  assert.fail('expected a refusal');
}

describe('room actions', () => {
  const every: RoomAction[] = ['join', 'read', 'info', 'members', 'presence', 'send', 'typing', 'delete'];

  test('a non-member of a private room gets FORBIDDEN for everything, and the same message', () => {
    const messages = new Set<string>();
    for (const action of every) {
      const { code, message } = refusal(() => assertAllowed(action, ctx(PRIVATE, user(undefined))));
      assert.equal(code, 'FORBIDDEN', action);
      messages.add(message);
    }
    assert.deepEqual([...messages], ['not a member of room "r"']);
  });

  test('a non-member of a public room may join, read and see it, not more', () => {
    for (const action of ['join', 'read', 'info'] as const)
      assert.ok(isAllowed(action, ctx(PUBLIC, user(undefined))));
    for (const action of ['members', 'presence', 'send', 'typing', 'delete'] as const) {
      assert.equal(
        refusal(() => assertAllowed(action, ctx(PUBLIC, user(undefined)))).code,
        'FORBIDDEN',
        action,
      );
    }
  });

  test('a reader reads but cannot send or type', () => {
    for (const facts of [PUBLIC, PRIVATE]) {
      for (const action of ['join', 'read', 'info', 'members', 'presence'] as const) {
        assert.ok(isAllowed(action, ctx(facts, user('reader'))), action);
      }
      assert.equal(refusal(() => assertAllowed('send', ctx(facts, user('reader')))).code, 'FORBIDDEN');
      assert.equal(isAllowed('typing', ctx(facts, user('reader'))), false);
    }
  });

  test('members send; only owners delete', () => {
    for (const role of ['owner', 'admin', 'member'] as const)
      assert.ok(isAllowed('send', ctx(PRIVATE, user(role))));
    assert.ok(isAllowed('delete', ctx(PRIVATE, user('owner'))));
    for (const role of ['admin', 'member', 'reader'] as const) {
      assert.equal(isAllowed('delete', ctx(PRIVATE, user(role))), false, role);
    }
  });

  test('a direct room is private to its two members', () => {
    assert.equal(refusal(() => assertAllowed('join', ctx(DIRECT, user(undefined)))).code, 'FORBIDDEN');
    assert.ok(isAllowed('send', ctx(DIRECT, user('member'))));
  });

  test('an unknown room is NOT_FOUND', () => {
    assert.equal(refusal(() => assertAllowed('join', ctx(undefined, user(undefined)))).code, 'NOT_FOUND');
    assert.equal(refusal(() => assertAllowed('send', ctx(undefined, { kind: 'service' }))).code, 'NOT_FOUND');
  });

  test('the token rooms claim restricts even owners, before anything about the room is said', () => {
    const { code, message } = refusal(() => assertAllowed('send', ctx(PRIVATE, user('owner', ['other']))));
    assert.equal(code, 'FORBIDDEN');
    assert.match(message, /token/);
    assert.equal(
      refusal(() => assertAllowed('join', ctx(undefined, user(undefined, ['other'])))).code,
      'FORBIDDEN',
    );
    assert.ok(isAllowed('send', ctx(PRIVATE, user('member', ['r']))));
  });

  test('a service may do everything in an existing room', () => {
    for (const action of every) assert.ok(isAllowed(action, ctx(PRIVATE, { kind: 'service' })), action);
  });
});

describe('member changes', () => {
  const put = (current: RoomRole | undefined, role: RoomRole, target = 't') =>
    ({ kind: 'put', target, current, role }) as const;
  const remove = (current: RoomRole | undefined, target = 't') =>
    ({ kind: 'remove', target, current }) as const;

  test('an owner changes anything', () => {
    for (const role of ['owner', 'admin', 'member', 'reader'] as const) {
      assertMemberChange(ctx(PRIVATE, user('owner')), put('admin', role));
      assertMemberChange(ctx(PRIVATE, user('owner')), remove(role));
    }
  });

  test('an admin manages members and readers, not admins or owners', () => {
    const admin = ctx(PRIVATE, user('admin'));
    assertMemberChange(admin, put(undefined, 'member'));
    assertMemberChange(admin, put('member', 'reader'));
    assertMemberChange(admin, remove('reader'));
    for (const change of [
      put(undefined, 'admin'),
      put('member', 'owner'),
      put('admin', 'member'),
      remove('owner'),
    ]) {
      assert.equal(refusal(() => assertMemberChange(admin, change)).code, 'FORBIDDEN');
    }
  });

  test('members, readers and non-members cannot manage; a private room tells a non-member nothing', () => {
    for (const role of ['member', 'reader'] as const) {
      assert.equal(
        refusal(() => assertMemberChange(ctx(PRIVATE, user(role)), put(undefined, 'member'))).code,
        'FORBIDDEN',
      );
    }
    assert.equal(
      refusal(() => assertMemberChange(ctx(PRIVATE, user(undefined)), put(undefined, 'member'))).message,
      'not a member of room "r"',
    );
    assert.equal(
      refusal(() => assertMemberChange(ctx(PUBLIC, user(undefined)), put(undefined, 'owner'))).code,
      'FORBIDDEN',
    );
  });

  test('anyone may leave', () => {
    for (const role of ['owner', 'admin', 'member', 'reader'] as const) {
      assertMemberChange(ctx(PRIVATE, user(role)), remove(role, 'u'));
    }
  });

  test('a direct room has fixed members, even for a service', () => {
    assert.equal(
      refusal(() => assertMemberChange(ctx(DIRECT, user('member')), remove('member', 'u'))).code,
      'INVALID',
    );
    assert.equal(
      refusal(() => assertMemberChange(ctx(DIRECT, { kind: 'service' }), put(undefined, 'member'))).code,
      'INVALID',
    );
    assert.equal(
      refusal(() => assertMemberChange(ctx(DIRECT, user(undefined)), put(undefined, 'member'))).code,
      'FORBIDDEN',
    );
  });

  test('a service manages any room', () => {
    assertMemberChange(ctx(PRIVATE, { kind: 'service' }), put('owner', 'reader'));
    assertMemberChange(ctx(PUBLIC, { kind: 'service' }), remove('owner'));
  });

  test('names under the direct prefix are reserved', () => {
    assert.equal(refusal(() => assertCreatableName('dm:abc', 'dm:')).code, 'INVALID');
    assertCreatableName('dmz', 'dm:');
  });
});
