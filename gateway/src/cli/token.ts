import { parseArgs } from 'node:util';
import { devJwtSecret } from '@switchboard/service-kit';
import { mintDevToken, parseDuration } from '../auth/dev-token.ts';

/**
 * Prints a development token signed with JWT_SECRET:
 *   npm run token -- --sub alice [--rooms general,random] [--ttl 1h]
 * JWT_SECRET defaults to the local stack's development secret.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      rooms: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.sub) {
    console.error('usage: npm run token -- --sub <user> [--rooms a,b] [--ttl 1h] [--json]');
    return 2;
  }
  const secret = process.env.JWT_SECRET ?? devJwtSecret;
  const minted = await mintDevToken({
    secret,
    sub: values.sub,
    rooms: values.rooms
      ?.split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    ttlSeconds: parseDuration(values.ttl),
    issuer: process.env.JWT_ISSUER || undefined,
    audience: process.env.JWT_AUDIENCE || undefined,
  });
  console.log(values.json ? JSON.stringify(minted) : minted.token);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`token: ${err.message}`);
    process.exit(1);
  },
);
