import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import {
  BufferMeter,
  type EngineConnection,
  packetBytes,
  slowConsumerWatch,
} from '../../src/limits/slow-consumer.ts';

test('a packet weighs its string length or its byte length', () => {
  assert.equal(packetBytes({ data: 'abcd' }), 4);
  assert.equal(packetBytes({ data: Buffer.alloc(7) }), 7);
  assert.equal(packetBytes({ data: new ArrayBuffer(3) }), 3);
  assert.equal(packetBytes({}), 0);
});

test('the meter adds packets queued into one write buffer and the transport buffer; a new buffer starts over', () => {
  const meter = new BufferMeter(100);
  const first: unknown[] = [];
  meter.queued(60, first);
  assert.equal(meter.over(0), undefined);
  meter.queued(50, first);
  assert.equal(meter.over(0), 110);
  // engine.io handed `first` to the transport and queues into a new array.
  meter.queued(10, []);
  assert.equal(meter.over(80), undefined);
  assert.equal(meter.over(91), 101);
});

/** An engine.io connection reduced to what the watcher uses; `flush` starts a new write buffer. */
function connection(transport: EngineConnection['transport']) {
  const emitter = new EventEmitter();
  const closes: (boolean | undefined)[] = [];
  const conn = Object.assign(emitter, {
    transport,
    writeBuffer: [] as unknown[],
    close: (discard?: boolean) => closes.push(discard),
  }) as unknown as EngineConnection & EventEmitter & { writeBuffer: unknown[] };
  const flush = () => {
    conn.writeBuffer = [];
  };
  return { conn, closes, flush };
}

test('past the bound the connection is reported once and closed, discarding its buffer', async () => {
  const { conn, closes, flush } = connection({ name: 'polling', writable: false });
  const slow: number[] = [];
  slowConsumerWatch<string>({ maxBytes: 10, onSlow: (_owner, b) => slow.push(b) })(conn, 'a');
  conn.emit('packetCreate', { data: 'aaaaaa' });
  flush();
  conn.emit('packetCreate', { data: 'aaaaaa' });
  assert.deepEqual(slow, []);
  conn.emit('packetCreate', { data: 'aaaaaa' });
  conn.emit('packetCreate', { data: 'aaaaaa' });
  await new Promise((r) => process.nextTick(r));
  assert.deepEqual(slow, [12]);
  assert.deepEqual(closes, [true]);
});

test("a WebSocket's unsent bytes count, and the socket is terminated", async () => {
  let terminated = 0;
  const ws = { bufferedAmount: 50, terminate: () => terminated++ };
  const { conn, closes } = connection({ name: 'websocket', writable: false, socket: ws });
  const slow: number[] = [];
  slowConsumerWatch<string>({ maxBytes: 100, onSlow: (_owner, b) => slow.push(b) })(conn, 'a');
  conn.emit('packetCreate', { data: 'x'.repeat(10) });
  ws.bufferedAmount = 95;
  conn.emit('packetCreate', { data: 'x'.repeat(10) });
  await new Promise((r) => process.nextTick(r));
  assert.deepEqual(slow, [115]);
  assert.equal(terminated, 1);
  assert.deepEqual(closes, [true]);
});

test('connections share the listeners and keep counts of their own; the report names the owner', async () => {
  const a = connection({ name: 'polling', writable: false });
  const b = connection({ name: 'polling', writable: false });
  const slow: [string, number][] = [];
  const watch = slowConsumerWatch<string>({
    maxBytes: 10,
    onSlow: (owner, bytes) => slow.push([owner, bytes]),
  });
  watch(a.conn, 'a');
  watch(b.conn, 'b');
  assert.equal(a.conn.listeners('packetCreate')[0], b.conn.listeners('packetCreate')[0]);
  a.conn.emit('packetCreate', { data: 'x'.repeat(8) });
  b.conn.emit('packetCreate', { data: 'x'.repeat(8) });
  assert.deepEqual(slow, []);
  b.conn.emit('packetCreate', { data: 'x'.repeat(8) });
  await new Promise((r) => process.nextTick(r));
  assert.deepEqual(slow, [['b', 16]]);
  assert.deepEqual(a.closes, []);
  assert.deepEqual(b.closes, [true]);
});

test('a transport that can take the packet at once counts nothing: it is sent right away', async () => {
  const transport = { name: 'polling', writable: true };
  const { conn, closes } = connection(transport);
  const slow: number[] = [];
  slowConsumerWatch<string>({ maxBytes: 10, onSlow: (_owner, b) => slow.push(b) })(conn, 'a');
  for (let i = 0; i < 5; i++) conn.emit('packetCreate', { data: 'x'.repeat(8) });
  transport.writable = false;
  conn.emit('packetCreate', { data: 'x'.repeat(8) });
  await new Promise((r) => process.nextTick(r));
  assert.deepEqual(slow, []);
  conn.emit('packetCreate', { data: 'x'.repeat(8) });
  await new Promise((r) => process.nextTick(r));
  assert.deepEqual(slow, [16]);
  assert.deepEqual(closes, [true]);
});
