/**
 * The k6 client's framing agrees with the official Engine.IO and Socket.IO parsers (the ones
 * the gateway runs), in both directions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePacket, encodePacket, type Packet } from 'engine.io-parser';
import { Decoder, Encoder, PacketType, type Packet as SocketPacketOfficial } from 'socket.io-parser';
import {
  decodeFrame,
  encodeAck,
  encodeConnect,
  encodeDisconnect,
  encodeEvent,
  encodePong,
  FramingError,
  SocketPacket,
  socketIoUrl,
} from '../src/socketio-framing.ts';

/** What the gateway's parsers make of a frame the k6 client sends. */
function officialDecode(frame: string): { engine: Packet; socket?: SocketPacketOfficial } {
  const engine = decodePacket(frame);
  if (engine.type !== 'message') return { engine };
  let socket: SocketPacketOfficial | undefined;
  const decoder = new Decoder();
  decoder.on('decoded', (p: SocketPacketOfficial) => {
    socket = p;
  });
  decoder.add(engine.data as string);
  return { engine, socket };
}

/** A frame as the server sends it. */
function officialEncode(packet: SocketPacketOfficial): string {
  const [payload] = new Encoder().encode(packet) as string[];
  let frame = '';
  encodePacket({ type: 'message', data: payload }, false, (encoded) => {
    frame = encoded as string;
  });
  return frame;
}

test('client frames decode as intended by the official parsers', () => {
  const connect = officialDecode(encodeConnect({ token: 'a.b.c' }));
  assert.deepEqual(connect.socket, { type: PacketType.CONNECT, nsp: '/', data: { token: 'a.b.c' } });

  const payload = { room: 'r-1', body: 'h\u00e9llo "q" \\ \n ok' };
  const withAck = officialDecode(encodeEvent('message:send', [payload], 17));
  assert.deepEqual(withAck.socket, {
    type: PacketType.EVENT,
    nsp: '/',
    id: 17,
    data: ['message:send', payload],
  });

  const noAck = officialDecode(encodeEvent('typing', [{ room: 'r' }]));
  assert.deepEqual(noAck.socket, { type: PacketType.EVENT, nsp: '/', data: ['typing', { room: 'r' }] });

  const ack = officialDecode(encodeAck(3, [{ ok: true }]));
  assert.deepEqual(ack.socket, { type: PacketType.ACK, nsp: '/', id: 3, data: [{ ok: true }] });

  const namespaced = officialDecode(encodeEvent('x', [1], 2, '/admin'));
  assert.deepEqual(namespaced.socket, { type: PacketType.EVENT, nsp: '/admin', id: 2, data: ['x', 1] });

  assert.equal(officialDecode(encodeDisconnect()).socket?.type, PacketType.DISCONNECT);
  assert.deepEqual(officialDecode(encodePong()).engine, { type: 'pong' });
});

test('server frames from the official encoders decode to the same packets', () => {
  const message = { id: '0190-x', room: 'r', body: 'caf\u00e9 "quoted" \u2603', ts: 1 };
  assert.deepEqual(
    decodeFrame(officialEncode({ type: PacketType.EVENT, nsp: '/', data: ['message', message, 'off-1'] })),
    {
      kind: 'socket',
      packet: { type: SocketPacket.Event, nsp: '/', data: ['message', message, 'off-1'] },
    },
  );
  assert.deepEqual(
    decodeFrame(officialEncode({ type: PacketType.ACK, nsp: '/', id: 1234, data: [{ ok: true }] })),
    {
      kind: 'socket',
      packet: { type: SocketPacket.Ack, nsp: '/', id: 1234, data: [{ ok: true }] },
    },
  );
  assert.deepEqual(
    decodeFrame(
      officialEncode({
        type: PacketType.CONNECT_ERROR,
        nsp: '/',
        data: { message: 'no', data: { code: 'X' } },
      }),
    ),
    {
      kind: 'socket',
      packet: { type: SocketPacket.ConnectError, nsp: '/', data: { message: 'no', data: { code: 'X' } } },
    },
  );
  assert.deepEqual(
    decodeFrame(officialEncode({ type: PacketType.EVENT, nsp: '/chat', id: 9, data: ['e'] })),
    {
      kind: 'socket',
      packet: { type: SocketPacket.Event, nsp: '/chat', id: 9, data: ['e'] },
    },
  );

  let ping = '';
  encodePacket({ type: 'ping' }, false, (encoded) => {
    ping = encoded as string;
  });
  assert.deepEqual(decodeFrame(ping), { kind: 'ping', data: '' });

  const handshake = { sid: 'abc', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 };
  let open = '';
  encodePacket({ type: 'open', data: JSON.stringify(handshake) }, false, (encoded) => {
    open = encoded as string;
  });
  assert.deepEqual(decodeFrame(open), { kind: 'open', handshake });
});

test('what the client cannot speak is a FramingError, not a wrong packet', () => {
  const binary = new Encoder().encode({
    type: PacketType.EVENT,
    nsp: '/',
    data: ['bin', Buffer.from([1])],
  })[0];
  assert.throws(() => decodeFrame(`4${binary as string}`), FramingError);
  assert.throws(() => decodeFrame('9'), FramingError);
  assert.throws(() => decodeFrame('42["unterminated'), FramingError);
});

test('socketIoUrl turns a base URL into the WebSocket endpoint', () => {
  assert.equal(
    socketIoUrl('http://127.0.0.1:13000'),
    'ws://127.0.0.1:13000/socket.io/?EIO=4&transport=websocket',
  );
  assert.equal(
    socketIoUrl('https://chat.example.com/', 'realtime/socket.io'),
    'wss://chat.example.com/realtime/socket.io/?EIO=4&transport=websocket',
  );
  assert.throws(() => socketIoUrl('chat.example.com'), FramingError);
});
