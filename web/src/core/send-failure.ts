import { type ErrorBody, ErrorCode } from '@switchboard/protocol';

/** What the sender reads under a message the gateway refused, and whether Retry can help. */
export type SendFailure = { text: string; canRetry: boolean };

/**
 * Retry re-sends the same clientMsgId and body, so it is offered only for refusals that may
 * pass later unchanged (`retryable`: RATE_LIMITED, UNAVAILABLE, a lost ack). The others say
 * what to do instead.
 */
export function describeSendFailure(error: ErrorBody): SendFailure {
  switch (error.code) {
    case ErrorCode.Conflict:
      // G3: the id already names another text; this one was never stored or delivered.
      return {
        text: 'Not sent (CONFLICT): another message was already sent under this message’s id. Write it again to send it as a new message.',
        canRetry: false,
      };
    case ErrorCode.TooLarge:
      return {
        text: `Not sent (TOO_LARGE): ${error.message}. Shorten it and send it again.`,
        canRetry: false,
      };
    default:
      return { text: `Not sent: ${error.code} (${error.message})`, canRetry: error.retryable };
  }
}
