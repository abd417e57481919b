import { ErrorCode, Limits, SwitchboardError, userIdSchema } from '@switchboard/protocol';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { GatewayConfig } from '../config.ts';

/** Who is connected: the token's `sub`, and the rooms it may join (all when undefined). */
// Plain data (no Set): Socket.IO stores it with the session for connection state recovery.
export type Principal = { user: string; rooms: readonly string[] | undefined; expiresAt: number };

export type TokenVerifier = (token: unknown) => Promise<Principal>;

// Asymmetric algorithms only for JWKS, HS256 only for the shared secret, never both at once:
// a token can never choose its own algorithm or key (no `alg: none`, no HS256 signed with a
// public key, no secret-signed token beside the identity provider's).
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

export function createTokenVerifier(
  config: Pick<
    GatewayConfig,
    'JWT_SECRET' | 'JWT_JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_CLOCK_TOLERANCE_SECONDS'
  >,
): TokenVerifier {
  // The config refuses a secret beside a JWKS URL; should both arrive anyway, the JWKS wins.
  // The secret is imported once: given raw bytes, jose imports a key for every token.
  const key: { jwks: JWTVerifyGetKey } | { secret: ReturnType<typeof crypto.subtle.importKey> } =
    config.JWT_JWKS_URL
      ? { jwks: createRemoteJWKSet(new URL(config.JWT_JWKS_URL)) }
      : {
          secret: crypto.subtle.importKey(
            'raw',
            new TextEncoder().encode(config.JWT_SECRET ?? ''),
            { name: 'HMAC', hash: 'SHA-256' },
            false,
            ['verify'],
          ),
        };
  const common = {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['sub', 'exp'],
  };

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0) {
      throw new SwitchboardError(ErrorCode.Unauthenticated, 'a token is required (auth.token)');
    }
    try {
      const { payload } =
        'jwks' in key
          ? await jwtVerify(token, key.jwks, { ...common, algorithms: JWKS_ALGORITHMS })
          : await jwtVerify(token, await key.secret, { ...common, algorithms: ['HS256'] });
      const sub = payload.sub ?? '';
      if (!userIdSchema.safeParse(sub).success) {
        throw new SwitchboardError(
          ErrorCode.Unauthenticated,
          `the token subject must be 1-${Limits.userIdMaxLength} characters without NUL`,
        );
      }
      const rooms = payload.rooms;
      if (rooms !== undefined && !(Array.isArray(rooms) && rooms.every((r) => typeof r === 'string'))) {
        throw new SwitchboardError(ErrorCode.Unauthenticated, 'the rooms claim must be a list of room names');
      }
      return {
        user: sub,
        rooms: rooms as string[] | undefined,
        expiresAt: (payload.exp ?? 0) * 1000,
      };
    } catch (err) {
      if (err instanceof SwitchboardError) throw err;
      // The identity provider's key set could not be fetched: the token may be fine, retry later.
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
        throw new SwitchboardError(ErrorCode.Unavailable, 'the token keys (JWKS) could not be fetched', {
          retryAfterMs: 2000,
          cause: err,
        });
      }
      throw new SwitchboardError(ErrorCode.Unauthenticated, describe(err), { cause: err });
    }
  };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token algorithm is not allowed';
  if (err instanceof errors.JWTClaimValidationFailed) return `the token claim "${err.claim}" is invalid`;
  return 'the token is invalid';
}

/** FORBIDDEN unless the token allows this room. */
export function assertRoomAllowed(principal: Principal, room: string): void {
  if (principal.rooms && !principal.rooms.includes(room)) {
    throw new SwitchboardError(ErrorCode.Forbidden, `the token does not allow room "${room}"`);
  }
}

/** The token of an `Authorization: Bearer <token>` header (undefined when there is none). */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}
