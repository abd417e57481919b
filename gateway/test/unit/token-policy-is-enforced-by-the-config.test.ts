import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGatewayConfig } from '../../src/config.ts';

// Connection settings are only parsed here, never dialled.
const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgresql://u@127.0.0.1:5432/d',
};
const secret = 'x'.repeat(32);
const jwks = 'https://id.example.test/.well-known/jwks.json';
const claims = { JWT_ISSUER: 'https://id.example.test/', JWT_AUDIENCE: 'switchboard' };
const production = { ...base, NODE_ENV: 'production' };

test('development: HS256 with a shared secret, issuer and audience optional', () => {
  const config = loadGatewayConfig({ ...base, JWT_SECRET: secret });
  assert.equal(config.JWT_SECRET, secret);
  assert.equal(config.JWT_ISSUER, undefined);
});

test('production refuses HS256 unless explicitly allowed', () => {
  assert.throws(
    () => loadGatewayConfig({ ...production, ...claims, JWT_SECRET: secret }),
    /JWT_SECRET: HS256 is refused when NODE_ENV=production/,
  );
  const allowed = loadGatewayConfig({
    ...production,
    ...claims,
    JWT_SECRET: secret,
    JWT_ALLOW_HS256_IN_PRODUCTION: 'true',
  });
  assert.equal(allowed.JWT_ALLOW_HS256_IN_PRODUCTION, true);
});

test('production requires issuer and audience for every algorithm', () => {
  const hs256 = { ...production, JWT_SECRET: secret, JWT_ALLOW_HS256_IN_PRODUCTION: 'true' };
  const jwksOnly = { ...production, JWT_JWKS_URL: jwks };
  for (const tokens of [hs256, jwksOnly]) {
    for (const missing of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
      const env = { ...tokens, ...claims, [missing]: undefined };
      assert.throws(
        () => loadGatewayConfig(env),
        new RegExp(`${missing}: required when NODE_ENV=production`),
      );
    }
    assert.doesNotThrow(() => loadGatewayConfig({ ...tokens, ...claims }));
  }
});

test('a shared secret beside a JWKS URL is refused, in every environment', () => {
  for (const env of [base, { ...production, JWT_ALLOW_HS256_IN_PRODUCTION: 'true' }]) {
    assert.throws(
      () => loadGatewayConfig({ ...env, ...claims, JWT_SECRET: secret, JWT_JWKS_URL: jwks }),
      /JWT_SECRET: set JWT_SECRET or JWT_JWKS_URL, not both/,
    );
  }
});

test('the ops endpoints need a port of their own', () => {
  const config = loadGatewayConfig({ ...base, JWT_SECRET: secret });
  assert.deepEqual([config.PORT, config.OPS_PORT], [3000, 9090]);
  assert.throws(
    () => loadGatewayConfig({ ...base, JWT_SECRET: secret, PORT: '4000', OPS_PORT: '4000' }),
    /OPS_PORT: must differ from PORT/,
  );
});
