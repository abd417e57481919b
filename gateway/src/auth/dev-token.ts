import { SignJWT } from 'jose';

export type DevTokenOptions = {
  secret: string;
  sub: string;
  /** Restricts joins to these rooms (the `rooms` claim); all rooms when absent. */
  rooms?: string[];
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  /** Issue time in seconds; tests pass a past one to make expired tokens. */
  issuedAt?: number;
};

export type DevToken = { token: string; expiresAt: string };

/**
 * An HS256 token signed with the development secret: for `npm run token`, tests, the k6
 * setup and the dev token endpoint. Production tokens come from an identity provider (JWKS).
 */
export async function mintDevToken(options: DevTokenOptions): Promise<DevToken> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const exp = iat + (options.ttlSeconds ?? 3600);
  let jwt = new SignJWT(options.rooms ? { rooms: options.rooms } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuedAt(iat)
    .setExpirationTime(exp);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  const token = await jwt.sign(new TextEncoder().encode(options.secret));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/** "90", "90s", "15m", "1h", "7d" to seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 90s, 15m, 1h, 7d)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
