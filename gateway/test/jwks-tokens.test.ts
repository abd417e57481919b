import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ClientEvent, type ErrorBody } from '@switchboard/protocol';
import { HOST } from '@switchboard/stack';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { connectClient, request } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// Production mode: keys come from an identity provider's JWKS, issuer and audience are checked.
const issuer = 'https://id.example.test/';
const audience = 'switchboard';
let jwksServer: http.Server;
let gateway: GatewayProcess;
let sign: (claims: { sub: string; iss?: string; aud?: string }) => Promise<string>;

before(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwksServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, HOST, resolve));
  const { port } = jwksServer.address() as AddressInfo;
  sign = (claims) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(claims.sub)
      .setIssuer(claims.iss ?? issuer)
      .setAudience(claims.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  gateway = await startGateway({
    JWT_SECRET: '',
    DEV_TOKEN_ENDPOINT: 'false',
    JWT_JWKS_URL: `http://${HOST}:${port}/.well-known/jwks.json`,
    JWT_ISSUER: issuer,
    JWT_AUDIENCE: audience,
  });
});

after(async () => {
  await stopGateway(gateway);
  jwksServer.close();
});

test('a token signed by a key of the JWKS, with the right issuer and audience, is accepted', async () => {
  const socket = await connectClient(gateway.url, { token: await sign({ sub: 'uma' }) });
  try {
    assert.equal((await request(socket, ClientEvent.RoomJoin, { room: 'jwks' })).ok, true);
  } finally {
    socket.close();
  }
});

test('wrong issuer, wrong audience or an HS256 token are refused with UNAUTHENTICATED', async () => {
  const { mintDevToken } = await import('../src/auth/dev-token.ts');
  const tokens = [
    await sign({ sub: 'uma', iss: 'https://evil.example.test/' }),
    await sign({ sub: 'uma', aud: 'another-service' }),
    (await mintDevToken({ secret: 'x'.repeat(40), sub: 'uma', issuer, audience })).token,
  ];
  for (const token of tokens) {
    const error = await connectClient(gateway.url, { token }).then(
      (s) => {
        s.close();
        return undefined;
      },
      (e: Error & { data?: ErrorBody }) => e.data,
    );
    assert.equal(error?.code, 'UNAUTHENTICATED');
  }
});
