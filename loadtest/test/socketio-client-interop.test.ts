/**
 * The k6 Socket.IO client speaks the real protocol: a socket.io server (the library the
 * gateway uses) accepts its handshake with auth, answers its acks, gets its acks, keeps it
 * alive through pings, and its refusals reach the client with their code.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Server } from 'socket.io';
import { buildScripts } from '../src/build-scripts.ts';
import { runK6, stat } from '../src/k6-runner.ts';

const http = createServer();
const io = new Server(http, { pingInterval: 100, pingTimeout: 2_000, transports: ['websocket'] });
io.use((socket, next) => {
  if (socket.handshake.auth.token === 'good') return next();
  const refusal = new Error('token refused') as Error & { data?: unknown };
  refusal.data = { code: 'UNAUTHENTICATED', retryable: false };
  next(refusal);
});
io.on('connection', (socket) => {
  socket.on('echo', (payload: unknown, ack: (reply: unknown) => void) => ack({ echo: payload }));
  socket.on('send-probe', () => {
    socket.emit('probe', 'x', () => socket.emit('probe-result', 'acked'));
  });
});

before(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await io.close();
});

test('k6 client: handshake with token, acks both ways, pings, refusal codes', async () => {
  const out = path.join(os.tmpdir(), `sb-interop-${process.pid}`);
  const { 'socketio-interop': script } = await buildScripts(
    [path.join(import.meta.dirname, 'k6', 'socketio-interop.ts')],
    out,
  );
  const { port } = http.address() as AddressInfo;
  const run = await runK6({
    script: script!,
    env: { SB_TARGET: `http://127.0.0.1:${port}` },
    summaryFile: path.join(out, 'summary.json'),
    extraArgs: ['--quiet'],
  });
  assert.equal(run.exitCode, 0, 'every check of the interop script passes');
  assert.equal(stat(run.summary, 'checks', 'fails'), 0);
  assert.ok((stat(run.summary, 'checks', 'passes') ?? 0) >= 5);
});
