import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '@switchboard/protocol';
import { parseFanPacket, presencePacket, typingPacket } from '../../src/fan-out/fan-packets.ts';

const message: ChatMessage = {
  id: '01a2-x',
  room: 'r',
  sender: 'u',
  body: 'spaces and "quotes" M 1-0 2-0',
  ts: 1,
  clientMsgId: 'c',
};

test('a message frame (as the publish script writes it) names its entry and the one before', () => {
  assert.deepEqual(parseFanPacket(`M 17-3 17-2 ${JSON.stringify(message)}`), {
    kind: 'message',
    id: '17-3',
    prev: '17-2',
    message,
  });
  // The first entry of a log has no previous one.
  assert.deepEqual(parseFanPacket(`M 17-0  ${JSON.stringify(message)}`), {
    kind: 'message',
    id: '17-0',
    prev: '',
    message,
  });
});

test('presence and typing frames round-trip; typing keeps the socket to skip', () => {
  const presence = { room: 'r', joined: 'u' };
  assert.deepEqual(parseFanPacket(presencePacket(presence)), { kind: 'presence', event: presence });
  const typing = { room: 'r', user: 'u' };
  assert.deepEqual(parseFanPacket(typingPacket(typing, 'sock-1')), {
    kind: 'typing',
    event: typing,
    except: 'sock-1',
  });
});

test('a frame no pod of this version writes is unreadable, not a crash', () => {
  for (const frame of ['', 'X {}', 'M 1-0', 'M 1-0 0-0 {not json', 'P {', 'T sock']) {
    assert.equal(parseFanPacket(frame), undefined, frame);
  }
});
