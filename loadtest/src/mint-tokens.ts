/**
 * Tokens for one load-test run: a distinct user per connection, signed with the HS256 secret
 * the gateways verify (the local stack's development secret unless JWT_SECRET says otherwise).
 * For a cluster with an identity provider, write the same file from real tokens instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mintDevToken } from '../../gateway/src/auth/dev-token.ts';
import { newRunId } from './run-id.ts';

export type TokensFileOptions = {
  file: string;
  count: number;
  /** Users are `<runId>-u<i>`, so runs never share a user (nor a rate-limit bucket). */
  runId: string;
  secret: string;
  issuer?: string;
  audience?: string;
  ttlSeconds: number;
};

export async function writeTokensFile(options: TokensFileOptions): Promise<string> {
  const tokens: Array<{ sub: string; token: string }> = [];
  for (let i = 0; i < options.count; i++) {
    const sub = `${options.runId}-u${i}`;
    const { token } = await mintDevToken({
      secret: options.secret,
      sub,
      ttlSeconds: options.ttlSeconds,
      issuer: options.issuer,
      audience: options.audience,
    });
    tokens.push({ sub, token });
  }
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  fs.writeFileSync(options.file, JSON.stringify({ tokens }), { mode: 0o600 });
  return options.file;
}

/**
 *   node loadtest/src/mint-tokens.ts --count 500 --out tokens.json [--run-id lt1] [--ttl-hours 24]
 * Signs with JWT_SECRET (default: the local stack's development secret), JWT_ISSUER, JWT_AUDIENCE.
 */
if (import.meta.main) {
  const { parseArgs } = await import('node:util');
  const { devJwtSecret } = await import('@switchboard/stack');
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' },
      out: { type: 'string', default: 'tokens.json' },
      'run-id': { type: 'string', default: newRunId() },
      'ttl-hours': { type: 'string', default: '24' },
    },
  });
  const file = await writeTokensFile({
    file: path.resolve(values.out),
    count: Number(values.count),
    runId: values['run-id'],
    secret: process.env.JWT_SECRET ?? devJwtSecret,
    issuer: process.env.JWT_ISSUER || undefined,
    audience: process.env.JWT_AUDIENCE || undefined,
    ttlSeconds: Number(values['ttl-hours']) * 3600,
  });
  console.log(`${values.count} tokens for users ${values['run-id']}-u0.. written to ${file}`);
}
