import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { eventually, joinedClients, record, request, uniqueRoom } from './support/clients.ts';

// The stack's gateway 1, the load balancer in front of both, and gateway 1's OPS_PORT.
const publicUrls = {
  'gateway 1': `http://${HOST}:${ports.gateway1}`,
  'the load balancer': `http://${HOST}:${ports.loadBalancer}`,
};
const opsUrl = `http://${HOST}:${ports.gateway1Ops}`;
const OPS_PATHS = ['/livez', '/readyz', '/metrics'];
const joined = joinedClients();

test('/livez, /readyz and /metrics are 404 on the public port, directly and through the load balancer', async () => {
  for (const [where, url] of Object.entries(publicUrls)) {
    for (const path of OPS_PATHS) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(`${url}${path}`, { method });
        assert.equal(res.status, 404, `${method} ${path} on ${where}`);
        const body = await res.text();
        assert.doesNotMatch(
          body,
          /switchboard_gateway_|"ready"|"live"/,
          `${path} on ${where} leaks ops data`,
        );
      }
    }
  }
});

test('the ops port serves them, and nothing of the public API', async () => {
  const live = await fetch(`${opsUrl}/livez`);
  assert.equal(live.status, 200);
  const ready = await fetch(`${opsUrl}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(((await ready.json()) as { ready: boolean }).ready, true);
  const metrics = await fetch(`${opsUrl}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^switchboard_gateway_connections\b/m);
  for (const path of ['/v1/rooms', '/socket.io/?EIO=4&transport=polling', '/'])
    assert.equal((await fetch(`${opsUrl}${path}`)).status, 404, path);
});

test('clients of the public port chat as usual meanwhile', async () => {
  const room = uniqueRoom('ops-port');
  const sender = await joined(publicUrls['the load balancer'], 'ops-sender', room);
  const listener = await joined(publicUrls['gateway 1'], 'ops-listener', room);
  const seen = record<ChatMessage>(listener, ServerEvent.Message);
  const ack = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'ops-1', body: 'hello' });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  await eventually('the listener receives it', () => seen.some((m) => m.id === ack.id));
});
