import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageSendParser, messageSendSchema } from '../../src/index.ts';
import { isPlainMessageSend } from '../../src/payload-parser.ts';

// Edge values of each field: at and past every bound, every character class, other types.
const rooms: unknown[] = [
  'general',
  'a',
  'A'.repeat(128),
  'a'.repeat(129),
  '',
  ' x',
  'x ',
  'dm:alice:bob',
  'team.eng_1-2',
  '-x',
  '.x',
  'x\n',
  'é',
  'r\u0000',
  42,
  null,
  undefined,
  ['a'],
  {},
];
const clientMsgIds: unknown[] = [
  'c-1',
  'c_'.repeat(32),
  'c'.repeat(65),
  '',
  'has space',
  'a\n',
  'é',
  'a.b',
  5,
  null,
];
const bodies: unknown[] = [
  'hi',
  '',
  'x'.repeat(20_000),
  'a\u0000b',
  'emoji 😀',
  '\n',
  ' ',
  7,
  null,
  {},
  ['x'],
];

/** The same fields in other shapes than a plain object of exactly three keys. */
function shapes(room: unknown, clientMsgId: unknown, body: unknown): [string, unknown][] {
  const plain = { room, clientMsgId, body };
  const bare = Object.assign(Object.create(null), plain);
  class Payload {
    room = room;
    clientMsgId = clientMsgId;
    body = body;
  }
  return [
    ['plain', plain],
    ['extra key', { ...plain, extra: 1 }],
    [
      'own __proto__ key (JSON)',
      JSON.parse(`{"__proto__":{},"room":"general","clientMsgId":"c","body":"x"}`),
    ],
    ['missing key', { room, body }],
    ['undefined extra key', { ...plain, more: undefined }],
    ['null prototype', bare],
    ['class instance', new Payload()],
    ['array', [room, clientMsgId, body]],
  ];
}

test('message:send payloads: the parser accepts exactly what the schema accepts, with the same data', () => {
  let accepted = 0;
  for (const room of rooms) {
    for (const clientMsgId of clientMsgIds) {
      for (const body of bodies) {
        for (const [shape, input] of shapes(room, clientMsgId, body)) {
          const expected = messageSendSchema.safeParse(input);
          const actual = messageSendParser.safeParse(input);
          const what = `${shape} ${JSON.stringify({ room, clientMsgId, body })?.slice(0, 80)}`;
          assert.equal(actual.success, expected.success, what);
          if (actual.success && expected.success) {
            assert.deepEqual(actual.data, expected.data, what);
            accepted++;
          }
        }
      }
    }
  }
  assert.ok(accepted > 0);
});

test('message:send payloads refused by the parser carry the schema error', () => {
  const input = { room: 'general', clientMsgId: 'has space', body: 'x' };
  const result = messageSendParser.safeParse(input);
  assert.equal(result.success, false);
  if (!result.success)
    assert.deepEqual(result.error.issues, messageSendSchema.safeParse(input).error?.issues);
});

test('a plain valid payload takes the fast check, not the schema; other shapes do not', () => {
  assert.equal(isPlainMessageSend({ room: 'general', clientMsgId: 'c-1', body: 'hi' }), true);
  assert.equal(isPlainMessageSend({ room: 'general', clientMsgId: 'c-1', body: 'hi', extra: 1 }), false);
  assert.equal(isPlainMessageSend({ room: 'general', clientMsgId: 'has space', body: 'hi' }), false);
});
