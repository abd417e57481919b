import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { type JWTPayload, SignJWT } from 'jose';
import { createTokenVerifier } from '../../src/auth/token-verifier.ts';

const secret = 'a-shared-secret-of-enough-length-0123456789';
const now = Math.floor(Date.now() / 1000);
const verifier = createTokenVerifier({
  JWT_SECRET: secret,
  JWT_JWKS_URL: undefined,
  JWT_ISSUER: 'https://idp.example',
  JWT_AUDIENCE: 'switchboard',
  JWT_CLOCK_TOLERANCE_SECONDS: 30,
});

const sign = (claims: JWTPayload, key = secret, alg = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(key));
const good = { sub: 'ann', iss: 'https://idp.example', aud: 'switchboard', exp: now + 600 };

async function refusal(token: string): Promise<string> {
  const err = await verifier(token).then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SwitchboardError);
  assert.equal(err.code, ErrorCode.Unauthenticated);
  return err.message;
}

test('a token with the right issuer, audience and expiry is the principal it names', async () => {
  const principal = await verifier(await sign({ ...good, rooms: ['lobby'] }));
  assert.deepEqual(principal, { user: 'ann', rooms: ['lobby'], expiresAt: good.exp * 1000 });
});

test('expiry and not-before allow the configured clock skew, no more', async () => {
  assert.equal((await verifier(await sign({ ...good, exp: now - 10 }))).user, 'ann');
  assert.match(await refusal(await sign({ ...good, exp: now - 60 })), /expired/);
  assert.equal((await verifier(await sign({ ...good, nbf: now + 10 }))).user, 'ann');
  assert.match(await refusal(await sign({ ...good, nbf: now + 60 })), /not valid yet/);
});

test('a wrong or missing issuer or audience, no exp or no sub is refused with the claim named', async () => {
  assert.match(await refusal(await sign({ ...good, iss: 'https://evil.example' })), /iss/);
  assert.match(await refusal(await sign({ ...good, aud: 'other' })), /aud/);
  const { iss: _iss, ...noIssuer } = good;
  assert.match(await refusal(await sign(noIssuer)), /iss/);
  const { exp: _exp, ...noExpiry } = good;
  assert.match(await refusal(await sign(noExpiry)), /exp/);
  const { sub: _sub, ...noSubject } = good;
  assert.match(await refusal(await sign(noSubject)), /sub/);
});

test('another key, another algorithm, a tampered payload or no signature is refused', async () => {
  assert.match(await refusal(await sign(good, 'another-secret-of-enough-length-987654321')), /signature/);
  assert.match(await refusal(await sign(good, secret, 'HS512')), /algorithm/);
  const [header, , signature] = (await sign(good)).split('.');
  const forged = Buffer.from(JSON.stringify({ ...good, sub: 'root' })).toString('base64url');
  assert.match(await refusal(`${header}.${forged}.${signature}`), /signature/);
  const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  await refusal(`${none}.${forged}.`);
  await refusal('not-a-jwt');
});
