import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, configTableMarkdown, describeConfig, env, loadConfig } from '../../src/env-config.ts';

const schema = z.object({
  PORT: env.port(3000, 'HTTP port'),
  REDIS_URL: env.url('Redis connection URL'),
  FLAG: env.bool(false, 'a switch'),
  BROKERS: env.list('a:1,b:2', 'comma-separated brokers'),
});

test('defaults apply and values are coerced', () => {
  const config = loadConfig('svc', schema, { REDIS_URL: 'redis://h:1', FLAG: 'true', PORT: '' });
  assert.deepEqual(config, { PORT: 3000, REDIS_URL: 'redis://h:1', FLAG: true, BROKERS: ['a:1', 'b:2'] });
});

test('every bad variable is named in one error', () => {
  assert.throws(
    () => loadConfig('svc', schema, { PORT: '70000', FLAG: 'yes' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.message, /PORT: .*got "70000"/);
      assert.match(err.message, /REDIS_URL: .*not set/);
      assert.match(err.message, /FLAG: /);
      return true;
    },
  );
});

test('the schema renders the settings table', () => {
  const rows = describeConfig(schema);
  assert.deepEqual(rows[0], { name: 'PORT', default: '3000', description: 'HTTP port' });
  assert.equal(rows[1]?.default, '(required)');
  assert.match(configTableMarkdown(schema), /\| `BROKERS` \| `a:1,b:2` \| comma-separated brokers \|/);
});

test('values of secrets and URLs never appear in the error (they may carry passwords)', () => {
  assert.throws(
    () => loadConfig('svc', schema, { REDIS_URL: 'redis//:hunter2@cache' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.doesNotMatch(err.message, /hunter2/);
      assert.match(err.message, /REDIS_URL: .*got 21 characters/);
      return true;
    },
  );
});
