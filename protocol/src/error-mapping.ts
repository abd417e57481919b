import type { z } from 'zod';
import { ErrorCode, SwitchboardError } from './errors.ts';

/**
 * The one way every edge (Socket.IO acks, HTTP responses, the persister's dead letters) turns
 * failures into wire errors, so the same failure reads the same everywhere.
 */

/** "<what>: <path>: <message>" of the first issue; the path is left out when the issue is at the root. */
export function zodIssueMessage(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.');
  return [what, path, issue?.message ?? 'invalid'].filter(Boolean).join(': ');
}

/**
 * An infrastructure failure (Redis, Kafka, PostgreSQL unreachable or too slow) as UNAVAILABLE:
 * the same request may succeed after `retryAfterMs`. `message` is what the client reads, e.g.
 * "the history store is unavailable"; the original error stays in `cause` for the logs.
 */
export function unavailable(message: string, cause?: unknown, retryAfterMs = 1000): SwitchboardError {
  return new SwitchboardError(ErrorCode.Unavailable, message, { retryAfterMs, cause });
}

/**
 * A SwitchboardError passes through; anything else is a bug or an unmapped failure: reported
 * through `onUnexpected` (to be logged with its stack) and answered as INTERNAL without details.
 */
export function toSwitchboardError(err: unknown, onUnexpected?: (err: unknown) => void): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  onUnexpected?.(err);
  return new SwitchboardError(ErrorCode.Internal, 'internal error', { cause: err });
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INVALID: 400,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  NOT_JOINED: 403,
  UNKNOWN_EVENT: 404,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INTERNAL: 500,
};

/** The HTTP status of an error code, for every HTTP edge. */
export function httpStatus(code: ErrorCode): number {
  return HTTP_STATUS[code];
}
