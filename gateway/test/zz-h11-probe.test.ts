import { test } from 'node:test';
import { ports, HOST } from '@switchboard/stack';
import { startGateway, stopGateway } from './support/gateway-processes.ts';
import { connectClient } from './support/clients.ts';
test('probe', async () => {
  for (const url of [`http://${HOST}:${ports.gateway1}`]) {
  const client = await connectClient(url, { user: 'fuzzer' });
  client.io.engine.on('packet', (p) => console.log('engine packet', JSON.stringify(p).slice(0, 200)));
  client.onAny((e, p) => console.log('got', e, JSON.stringify(p)));
  client.emit('no-such-event', { i: 1 });
  client.emit('message:send', { room: 42, body: null });
  await new Promise((r) => setTimeout(r, 3000));
  client.close();
  }
});
