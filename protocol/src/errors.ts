import { z } from 'zod';

/**
 * Error codes on the wire. `retryable` says whether the same request may succeed later
 * unchanged; clients use it to decide between a retry (same clientMsgId) and giving up.
 */
export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  Invalid: 'INVALID',
  TooLarge: 'TOO_LARGE',
  RateLimited: 'RATE_LIMITED',
  Unavailable: 'UNAVAILABLE',
  NotJoined: 'NOT_JOINED',
  UnknownEvent: 'UNKNOWN_EVENT',
  /** What the request names does not exist (an HTTP path, a room where auto-create is off). */
  NotFound: 'NOT_FOUND',
  /** The request contradicts the current state (e.g. creating what already exists). */
  Conflict: 'CONFLICT',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRYABLE: Record<ErrorCode, boolean> = {
  UNAUTHENTICATED: false,
  FORBIDDEN: false,
  INVALID: false,
  TOO_LARGE: false,
  RATE_LIMITED: true,
  UNAVAILABLE: true,
  NOT_JOINED: false,
  UNKNOWN_EVENT: false,
  NOT_FOUND: false,
  CONFLICT: false,
  INTERNAL: true,
};

export const errorBodySchema = z.object({
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  retryable: z.boolean(),
  /** Milliseconds after which a retry makes sense (RATE_LIMITED, UNAVAILABLE). */
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
export type ErrorAck = { ok: false; error: ErrorBody };

/** An error that carries its wire code; thrown inside services, turned into an ErrorAck at the edge. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'SwitchboardError';
    this.code = code;
    this.retryable = RETRYABLE[code];
    this.retryAfterMs = options?.retryAfterMs;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    return body;
  }

  toAck(): ErrorAck {
    return { ok: false, error: this.toBody() };
  }
}
