/**
 * Which Kafka failures say "this request was too large" (the sender's input) rather than
 * "Kafka is not there" (the infrastructure). kafkajs wraps the broker's error in retry errors;
 * the type is found along the `cause` chain.
 */
const TOO_LARGE_TYPES = new Set([
  'MESSAGE_TOO_LARGE', // RecordTooLargeException: a batch over max.message.bytes
  'RECORD_LIST_TOO_LARGE', // RecordBatchTooLargeException: a batch over the segment size
]);

export function isTooLargeError(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && TOO_LARGE_TYPES.has(type)) return true;
  }
  return false;
}
