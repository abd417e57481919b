import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { errorFromResponse, networkError } from './http-errors.ts';

/** Where the client's JWT comes from; the socket handshake and history calls read `current()`. */
export type TokenSource = {
  current(): string;
  /** Gets a fresh token when the current one is refused (development sign-in can; an embed waits). */
  refresh?: () => Promise<string>;
};

export type DevToken = { token: string; expiresAt: number };

/**
 * Exchanges a name for a short-lived development token at `POST /v1/dev/token`. The gateway
 * serves it only with the development secret and DEV_TOKEN_ENDPOINT=true; otherwise 404.
 */
export async function requestDevToken(name: string, baseUrl = ''): Promise<DevToken> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ name }),
    });
  } catch (err) {
    throw networkError('sign-in', err);
  }
  if (response.status === 404) {
    throw new SwitchboardError(
      ErrorCode.Forbidden,
      'development sign-in is not enabled on this gateway; the page needs a token from the embedding application',
    );
  }
  if (!response.ok) throw await errorFromResponse(response, 'sign-in');
  const body = (await response.json()) as { token?: unknown; expiresAt?: unknown };
  if (typeof body.token !== 'string')
    throw new SwitchboardError(ErrorCode.Internal, 'sign-in: no token in the answer');
  return {
    token: body.token,
    expiresAt: toEpochMs(body.expiresAt) ?? expiryOf(body.token) ?? Date.now() + 60_000,
  };
}

/** A development token that renews itself shortly before it expires, and on demand. */
export class DevTokenSource implements TokenSource {
  private token: DevToken;
  private readonly name: string;
  private readonly baseUrl: string;
  private renewing: Promise<string> | undefined;

  constructor(name: string, first: DevToken, baseUrl = '') {
    this.name = name;
    this.token = first;
    this.baseUrl = baseUrl;
  }

  current(): string {
    // Renew in the background a little ahead of expiry so history calls never carry a stale token.
    if (this.token.expiresAt - Date.now() < 30_000) void this.refresh().catch(() => {});
    return this.token.token;
  }

  refresh(): Promise<string> {
    this.renewing ??= requestDevToken(this.name, this.baseUrl)
      .then((token) => {
        this.token = token;
        return token.token;
      })
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }
}

/** The `sub` claim, read without verifying: the gateway verifies; the page only needs a name to show. */
export function subjectOf(token: string): string | undefined {
  const claims = claimsOf(token);
  return typeof claims?.sub === 'string' ? claims.sub : undefined;
}

function expiryOf(token: string): number | undefined {
  const exp = claimsOf(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

function claimsOf(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}
