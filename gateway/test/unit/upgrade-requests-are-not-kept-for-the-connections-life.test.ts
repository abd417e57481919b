import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { releaseHandshakeRequests } from '../../src/sockets/io-server.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Real engine.io over a real WebSocket: is the upgrade request of a live connection still
 * reachable? Without the release, engine.io's own reference is dropped by hand, to show that
 * engine.io keeps the request elsewhere too.
 */
async function upgradeRequestKept(release: boolean): Promise<boolean> {
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'] });
  let request: WeakRef<object> | undefined;
  // Before the release's own listener: the first to see the connection.
  io.on('connection', (socket) => {
    request = new WeakRef(socket.conn.request);
    if (!release) (socket.conn as { request?: unknown }).request = undefined;
  });
  if (release) releaseHandshakeRequests(io);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    transports: ['websocket'],
  });
  try {
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    // Past the handshake's own frames, then two full collections.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.ok(request, 'the server saw the connection');
    return request.deref() !== undefined;
  } finally {
    client.close();
    await io.close();
  }
}

test('engine.io keeps a WebSocket connection upgrade request alive on its own (drop the release once it does not)', async () => {
  assert.equal(await upgradeRequestKept(false), true);
});

test('with the release, a live connection keeps no upgrade request (headers, query) in memory', async () => {
  assert.equal(await upgradeRequestKept(true), false);
});
