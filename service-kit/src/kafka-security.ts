import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, env } from './env-config.ts';

/**
 * TLS and SASL settings of a Kafka client, shared by every service that talks to Kafka, so
 * managed clusters (MSK, Confluent, Aiven) are configured the same way everywhere. The output
 * has the shape of kafkajs' `ssl` and `sasl` client options; kafkajs itself stays in the
 * services' Kafka modules.
 */
const kafkaSaslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof kafkaSaslMechanisms)[number];

/** Spread into a service's config schema; call `refineKafkaSecurity` from its superRefine. */
export const kafkaSecurityFields = {
  KAFKA_SSL: env.bool(false, 'connect to Kafka over TLS (managed clusters: MSK, Confluent, Aiven)'),
  KAFKA_SSL_CA_FILE: env.optional(
    'PEM CA bundle to verify the brokers with (read at start); unset: the system CAs. Needs KAFKA_SSL',
  ),
  KAFKA_SASL_MECHANISM: z
    .enum(kafkaSaslMechanisms)
    .optional()
    .describe('SASL mechanism: `plain`, `scram-sha-256` or `scram-sha-512`; unset: no SASL'),
  KAFKA_SASL_USERNAME: env.optional('SASL user name (required with KAFKA_SASL_MECHANISM)'),
  KAFKA_SASL_PASSWORD: env.optional('SASL password (required with KAFKA_SASL_MECHANISM)'),
};

export type KafkaSecuritySettings = {
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: string;
  KAFKA_SASL_MECHANISM?: KafkaSaslMechanism;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
};

type IssueSink = { addIssue: (issue: { code: 'custom'; path: string[]; message: string }) => void };

export function refineKafkaSecurity(c: KafkaSecuritySettings, ctx: IssueSink): void {
  if (c.KAFKA_SASL_MECHANISM) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (!c[name])
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `required when KAFKA_SASL_MECHANISM is set (${c.KAFKA_SASL_MECHANISM})`,
        });
    }
  }
  if (c.KAFKA_SSL_CA_FILE && !c.KAFKA_SSL)
    ctx.addIssue({ code: 'custom', path: ['KAFKA_SSL_CA_FILE'], message: 'needs KAFKA_SSL=true' });
}

export type KafkaClientSecurity = {
  ssl?: boolean | { ca: string[] };
  sasl?: KafkaSasl;
};

/** One member per mechanism, the way kafkajs types it, so the result is assignable to its options. */
type KafkaSasl = {
  [M in KafkaSaslMechanism]: { mechanism: M; username: string; password: string };
}[KafkaSaslMechanism];

/** The `ssl`/`sasl` options of a Kafka client; reads the CA file, so call it once at start. */
export function kafkaClientSecurity(settings: KafkaSecuritySettings, service = 'kafka'): KafkaClientSecurity {
  const security: KafkaClientSecurity = {};
  if (settings.KAFKA_SSL) {
    security.ssl = settings.KAFKA_SSL_CA_FILE ? { ca: [readCa(settings.KAFKA_SSL_CA_FILE, service)] } : true;
  }
  const {
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  } = settings;
  if (mechanism) {
    if (!username || !password)
      throw new ConfigError(service, [
        'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with a mechanism',
      ]);
    security.sasl = { mechanism, username, password };
  }
  return security;
}

function readCa(file: string, service: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(service, [`KAFKA_SSL_CA_FILE: cannot read ${file} (${(err as Error).message})`]);
  }
}
