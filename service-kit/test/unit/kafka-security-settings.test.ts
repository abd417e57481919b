import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../src/env-config.ts';
import { kafkaClientSecurity, kafkaSecurityFields, refineKafkaSecurity } from '../../src/kafka-security.ts';

// Spread and refined the way the gateway and the persister do it.
const schema = z.object({ ...kafkaSecurityFields }).superRefine((c, ctx) => refineKafkaSecurity(c, ctx));

test('without settings the client is plaintext with no SASL', () => {
  assert.deepEqual(kafkaClientSecurity(loadConfig('svc', schema, {})), {});
});

test('a SASL mechanism needs both user name and password: each missing one is named', () => {
  assert.throws(
    () => loadConfig('svc', schema, { KAFKA_SASL_MECHANISM: 'scram-sha-512' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => p.split(':')[0]),
        ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'],
      );
      assert.match(err.message, /required when KAFKA_SASL_MECHANISM is set \(scram-sha-512\)/);
      return true;
    },
  );
});

test('an unknown SASL mechanism is refused', () => {
  assert.throws(() => loadConfig('svc', schema, { KAFKA_SASL_MECHANISM: 'gssapi' }), /KAFKA_SASL_MECHANISM/);
});

test('TLS with a CA file reads the PEM bundle; SASL settings pass through', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ca-')), 'ca.pem');
  fs.writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const config = loadConfig('svc', schema, {
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: file,
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: 'svc',
    KAFKA_SASL_PASSWORD: 'pw',
  });
  assert.deepEqual(kafkaClientSecurity(config), {
    ssl: { ca: [fs.readFileSync(file, 'utf8')] },
    sasl: { mechanism: 'scram-sha-256', username: 'svc', password: 'pw' },
  });
  assert.deepEqual(kafkaClientSecurity(loadConfig('svc', schema, { KAFKA_SSL: 'true' })), { ssl: true });
});

test('a CA file without TLS, or one that cannot be read, is a ConfigError naming KAFKA_SSL_CA_FILE', () => {
  assert.throws(
    () => loadConfig('svc', schema, { KAFKA_SSL_CA_FILE: '/etc/ssl/ca.pem' }),
    /KAFKA_SSL_CA_FILE: needs KAFKA_SSL=true/,
  );
  const config = loadConfig('svc', schema, { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' });
  assert.throws(
    () => kafkaClientSecurity(config, 'svc'),
    (err: unknown) => err instanceof ConfigError && /KAFKA_SSL_CA_FILE: cannot read/.test(err.message),
  );
});
