import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import { HOST, ports, serviceEnv } from '@switchboard/stack';
import { loadGatewayConfig } from '../src/config.ts';
import { connectClient, request } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

let withoutEndpoint: GatewayProcess;
before(async () => {
  withoutEndpoint = await startGateway({ DEV_TOKEN_ENDPOINT: 'false' });
});
after(() => stopGateway(withoutEndpoint));

test('POST /v1/dev/token gives a token the gateway accepts (local stack, development only)', async () => {
  const res = await fetch(`http://${HOST}:${ports.loadBalancer}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'zoe' }),
  });
  assert.equal(res.status, 200);
  const { token, expiresAt } = (await res.json()) as { token: string; expiresAt: string };
  assert.ok(Date.parse(expiresAt) > Date.now());
  const socket = await connectClient(`http://${HOST}:${ports.gateway2}`, { token });
  try {
    assert.equal((await request(socket, ClientEvent.RoomJoin, { room: 'dev-token' })).ok, true);
  } finally {
    socket.close();
  }
  const bad = await fetch(`http://${HOST}:${ports.gateway1}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name": ""}',
  });
  assert.equal(bad.status, 400);
});

test('without DEV_TOKEN_ENDPOINT the endpoint does not exist', async () => {
  const res = await fetch(`${withoutEndpoint.url}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'zoe' }),
  });
  assert.equal(res.status, 404);
});

test('the configuration refuses the dev token endpoint in production and names bad variables', () => {
  const valid = { ...serviceEnv(), JWT_SECRET: 'x'.repeat(32) };
  assert.equal(loadGatewayConfig(valid).DEV_TOKEN_ENDPOINT, false);
  assert.throws(
    () => loadGatewayConfig({ ...valid, DEV_TOKEN_ENDPOINT: 'true', NODE_ENV: 'production' }),
    /DEV_TOKEN_ENDPOINT: refused when NODE_ENV=production/,
  );
  assert.throws(
    () => loadGatewayConfig({ ...valid, JWT_SECRET: undefined }),
    /JWT_SECRET: set JWT_SECRET or JWT_JWKS_URL/,
  );
  assert.throws(() => loadGatewayConfig({ ...valid, MAX_BODY_BYTES: '999999' }), /MAX_BODY_BYTES/);
});
