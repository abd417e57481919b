import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { historyQuerySchema, messageSendSchema, zodIssueMessage } from '../../src/index.ts';

function issueOf(schema: z.ZodType, value: unknown, what: string): string {
  const result = schema.safeParse(value);
  assert.equal(result.success, false);
  return zodIssueMessage(result.error!, what);
}

test('the first issue reads "<what>: <path>: <message>"', () => {
  const result = messageSendSchema.safeParse({ room: 'general', clientMsgId: 'has space', body: '' });
  const first = result.error?.issues[0];
  assert.deepEqual(first?.path, ['clientMsgId']);
  assert.equal(
    zodIssueMessage(result.error!, 'message:send'),
    `message:send: clientMsgId: ${first?.message}`,
  );
});

test('nested paths are joined with dots', () => {
  const schema = z.object({ member: z.object({ role: z.enum(['owner', 'member']) }) });
  assert.match(issueOf(schema, { member: { role: 'king' } }, 'body'), /^body: member\.role: /);
});

test('an issue at the root names no path', () => {
  const result = messageSendSchema.safeParse('not an object');
  assert.equal(result.error?.issues[0]?.path.length, 0);
  assert.equal(
    zodIssueMessage(result.error!, 'message:send'),
    `message:send: ${result.error?.issues[0]?.message}`,
  );
  // A refinement of the whole object is a root issue too.
  const id = '01890a5d-ac96-774b-bcce-b302099a8057';
  assert.equal(
    issueOf(historyQuerySchema, { before: id, after: id }, 'query'),
    'query: use either before or after, not both',
  );
});
