import { ErrorCode as Codes, type ErrorCode, errorBodySchema, SwitchboardError } from '@switchboard/protocol';

/** The code a status means when the gateway's body did not say (a proxy's error page, say). */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return Codes.Unauthenticated;
  if (status === 403) return Codes.Forbidden;
  if (status === 404) return Codes.Invalid;
  if (status === 413) return Codes.TooLarge;
  if (status === 429) return Codes.RateLimited;
  if (status >= 500) return Codes.Unavailable;
  return Codes.Invalid;
}

/** Turns a failed gateway response into a typed error, from its `{ error: {...} }` body when it has one. */
export async function errorFromResponse(response: Response, what: string): Promise<SwitchboardError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse((body as { error?: unknown } | undefined)?.error);
  if (parsed.success) {
    const options = parsed.data.retryAfterMs === undefined ? {} : { retryAfterMs: parsed.data.retryAfterMs };
    return new SwitchboardError(parsed.data.code, parsed.data.message, options);
  }
  return new SwitchboardError(codeForStatus(response.status), `${what}: HTTP ${response.status}`);
}

/** A network failure (offline, gateway down) is retryable by nature. */
export function networkError(what: string, cause: unknown): SwitchboardError {
  return new SwitchboardError(Codes.Unavailable, `${what}: ${(cause as Error)?.message ?? 'network error'}`, {
    cause,
  });
}
