import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type ChatMessage, ClientEvent, type ErrorBody, ServerEvent } from '@switchboard/protocol';
import { devJwtSecret, HOST, ports } from '@switchboard/stack';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { connectClient, eventually, record, request, tokenFor, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// Forged, `alg: none`, expired and wrong-key tokens are refused by both verifiers: the shared
// secret (HS256, the local stack's development gateways) and the identity provider's keys
// (JWKS, a production gateway of this test), where HS256 is never accepted at all. Refusals
// that need no process (production without issuer or audience, a secret beside a JWKS URL)
// are in unit/token-policy-is-enforced-by-the-config.test.ts.

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsigned = (header: object, claims: object) => `${b64(header)}.${b64(claims)}.`;

/** The payload of a valid token replaced, its signature kept. */
function tampered(token: string, claims: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64(claims)}.${signature}`;
}

async function refusal(url: string, token: string | undefined): Promise<ErrorBody> {
  const err = await connectClient(url, { token }).then(
    (s) => {
      s.close();
      throw new Error(`a connection was accepted with ${token}`);
    },
    (e: Error & { data?: ErrorBody }) => e,
  );
  assert.ok(err.data, `no error body: ${err.message}`);
  return err.data;
}

/** Each token is refused UNAUTHENTICATED (not retryable) by the socket and by the HTTP API. */
async function assertRefused(url: string, tokens: Record<string, string | undefined>) {
  for (const [what, token] of Object.entries(tokens)) {
    const error = await refusal(url, token);
    assert.equal(error.code, 'UNAUTHENTICATED', what);
    assert.equal(error.retryable, false, what);
    const res = await fetch(`${url}/v1/rooms`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    assert.equal(res.status, 401, `${what} over HTTP`);
  }
}

/** A bystander in a room; `unaffected()` checks it still receives and was never disconnected. */
async function bystanderOn(url: string, tokens: { listener: string; sender: string }) {
  const room = uniqueRoom('token-policy');
  const sockets: Socket[] = [];
  const listener = await connectClient(url, { token: tokens.listener });
  sockets.push(listener);
  let disconnects = 0;
  listener.on('disconnect', () => disconnects++);
  const seen = record<ChatMessage>(listener, ServerEvent.Message);
  assert.equal((await request(listener, ClientEvent.RoomJoin, { room })).ok, true);
  return {
    unaffected: async () => {
      const sender = await connectClient(url, { token: tokens.sender });
      sockets.push(sender);
      assert.equal((await request(sender, ClientEvent.RoomJoin, { room })).ok, true);
      const ack = await request(sender, ClientEvent.MessageSend, {
        room,
        clientMsgId: 'tp-1',
        body: 'still here',
      });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      await eventually('the bystander receives it', () => seen.some((m) => m.id === ack.id));
      assert.equal(disconnects, 0);
    },
    close: () => {
      for (const s of sockets) s.close();
    },
  };
}

describe('HS256 with the shared secret (development)', () => {
  const url = `http://${HOST}:${ports.gateway1}`;

  test('no token, not a JWT, expired, wrong key, tampered and alg:none are refused; others chat on', async () => {
    const bystander = await bystanderOn(url, {
      listener: await tokenFor('hs-bystander'),
      sender: await tokenFor('hs-sender'),
    });
    try {
      const valid = await tokenFor('eve');
      const expired = await mintDevToken({
        secret: devJwtSecret,
        sub: 'eve',
        issuedAt: now() - 7200,
        ttlSeconds: 3600,
      });
      const wrongKey = await mintDevToken({
        secret: 'another-secret-that-is-long-enough-0123456789',
        sub: 'eve',
      });
      await assertRefused(url, {
        'no token': undefined,
        'not a JWT': 'not-a-jwt',
        expired: expired.token,
        'wrong key': wrongKey.token,
        'tampered payload': tampered(valid, { sub: 'admin', exp: now() + 3600 }),
        'alg none': unsigned({ alg: 'none', typ: 'JWT' }, { sub: 'eve', exp: now() + 3600 }),
      });
      await bystander.unaffected();
    } finally {
      bystander.close();
    }
  });
});

describe('JWKS in production: only the identity provider’s keys, issuer and audience required', () => {
  const issuer = 'https://id.example.test/';
  const audience = 'switchboard';
  let jwksServer: http.Server;
  let gateway: GatewayProcess;
  let publicPem: string;
  let sign: (claims: JWTPayload, key?: PrivateKey) => Promise<string>;

  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    publicPem = await exportSPKI(publicKey);
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwksServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, HOST, resolve));
    const { port } = jwksServer.address() as AddressInfo;
    // Claims given as undefined are left out of the token.
    sign = (claims, key = privateKey) =>
      new SignJWT({ iss: issuer, aud: audience, iat: now(), exp: now() + 600, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .sign(key);
    gateway = await startGateway({
      NODE_ENV: 'production',
      JWT_SECRET: '',
      DEV_TOKEN_ENDPOINT: 'false',
      ROOMS_AUTO_CREATE: 'true',
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
      assert.equal((await request(socket, ClientEvent.RoomJoin, { room: uniqueRoom('jwks') })).ok, true);
    } finally {
      socket.close();
    }
  });

  test('HS256 (even signed with the public key), alg:none, expired, wrong key, wrong or missing iss/aud are refused; others chat on', async () => {
    const bystander = await bystanderOn(gateway.url, {
      listener: await sign({ sub: 'jwks-bystander' }),
      sender: await sign({ sub: 'jwks-sender' }),
    });
    try {
      const hs256 = (secret: string) =>
        new SignJWT({ iss: issuer, aud: audience })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setSubject('eve')
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(secret));
      const otherKey = (await generateKeyPair('ES256')).privateKey;
      const valid = await sign({ sub: 'eve' });
      await assertRefused(gateway.url, {
        // The local stack's secret means nothing to a JWKS gateway.
        'HS256 with a shared secret': await hs256(devJwtSecret),
        // Algorithm confusion: the public key used as an HMAC secret.
        'HS256 signed with the public key': await hs256(publicPem),
        'alg none': unsigned(
          { alg: 'none', kid: 'k1' },
          { sub: 'eve', iss: issuer, aud: audience, exp: now() + 600 },
        ),
        expired: await sign({ sub: 'eve', iat: now() - 7200, exp: now() - 3600 }),
        'wrong key, same kid': await sign({ sub: 'eve' }, otherKey),
        'tampered payload': tampered(valid, { sub: 'admin', iss: issuer, aud: audience, exp: now() + 600 }),
        'wrong issuer': await sign({ sub: 'eve', iss: 'https://evil.example.test/' }),
        'wrong audience': await sign({ sub: 'eve', aud: 'another-service' }),
        'no issuer': await sign({ sub: 'eve', iss: undefined }),
        'no audience': await sign({ sub: 'eve', aud: undefined }),
      });
      await bystander.unaffected();
    } finally {
      bystander.close();
    }
  });
});
