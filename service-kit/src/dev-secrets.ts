/**
 * The development JWT secret (HS256) of the local stack: its gateways verify with it; the token
 * CLI, tests and k6 sign with it. Here rather than in the stack package so the token CLI can
 * use it without the gateway depending on the stack. Services never fall back to it: the
 * gateway's config requires JWT_SECRET or JWT_JWKS_URL; only development tools read this.
 */
export const devJwtSecret = process.env.SB_JWT_SECRET ?? 'switchboard-local-development-secret-0123456789';
