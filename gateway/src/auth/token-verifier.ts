import { ErrorCode, Limits, SwitchboardError, userIdSchema } from '@switchboard/protocol';
import { createVerifier, TokenError } from 'fast-jwt';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
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
  const verify = config.JWT_JWKS_URL
    ? jwksVerifier(config.JWT_JWKS_URL, config)
    : secretVerifier(config.JWT_SECRET ?? '', config);

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0) {
      throw new SwitchboardError(ErrorCode.Unauthenticated, 'a token is required (auth.token)');
    }
    try {
      const payload = await verify(token);
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
      if (err instanceof TokenError) {
        throw new SwitchboardError(ErrorCode.Unauthenticated, describeTokenError(err), { cause: err });
      }
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

type Claims = Pick<GatewayConfig, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_CLOCK_TOLERANCE_SECONDS'>;
const REQUIRED_CLAIMS = ['sub', 'exp'];

/** Tokens of the identity provider: asymmetric keys of its JWKS (jose fetches and caches the set). */
function jwksVerifier(url: string, config: Claims): (token: string) => Promise<JWTPayload> {
  const keys = createRemoteJWKSet(new URL(url));
  const options = {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
    requiredClaims: REQUIRED_CLAIMS,
    algorithms: JWKS_ALGORITHMS,
  };
  return async (token) => (await jwtVerify(token, keys, options)).payload;
}

/**
 * Tokens signed with the shared secret (HS256): fast-jwt verifies them synchronously with
 * node:crypto's HMAC, about 6 us of CPU each where jose's WebCrypto verification took 60-110 us
 * (2,000 tokens verified in turn), a tenth of a connect + join.
 */
function secretVerifier(secret: string, config: Claims): (token: string) => Promise<JWTPayload> {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    ...(config.JWT_ISSUER ? { allowedIss: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { allowedAud: config.JWT_AUDIENCE } : {}),
    clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS * 1000,
    // fast-jwt checks an allowed issuer or audience only when the token has the claim.
    requiredClaims: [
      ...REQUIRED_CLAIMS,
      ...(config.JWT_ISSUER ? ['iss'] : []),
      ...(config.JWT_AUDIENCE ? ['aud'] : []),
    ],
  });
  return async (token) => verify(token) as JWTPayload;
}

function describeTokenError(err: TokenError): string {
  switch (err.code) {
    case TokenError.codes.expired:
      return 'the token has expired';
    case TokenError.codes.inactive:
      return 'the token is not valid yet';
    case TokenError.codes.invalidSignature:
      return 'the token signature is invalid';
    case TokenError.codes.invalidAlgorithm:
      return 'the token algorithm is not allowed';
    case TokenError.codes.invalidClaimType:
    case TokenError.codes.invalidClaimValue:
    case TokenError.codes.missingRequiredClaim:
      return `the token claims are invalid: ${err.message}`;
    default:
      return 'the token is invalid';
  }
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
