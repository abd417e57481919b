import { ErrorCode, SwitchboardError } from '@switchboard/protocol';

/** What the page says when the gateway refuses a room action: words first, the code after. */

/** Why a join was refused, in words: a private room needs membership; an unknown room must be created first. */
export function describeJoinRefusal(room: string, err: unknown): string {
  if (!(err instanceof SwitchboardError)) return (err as Error)?.message ?? String(err);
  if (err.code === ErrorCode.Forbidden) {
    return `you may not join "${room}": ${err.message}; a private room's owner or admins add its members (${err.code})`;
  }
  if (err.code === ErrorCode.NotFound) {
    return `there is no room "${room}"; create it first (${err.code})`;
  }
  return `${err.message} (${err.code})`;
}

/** A refused create, member change or direct room: the gateway's words (they name the room and the rule), then the code. */
export function describeRoomsError(err: unknown): string {
  if (!(err instanceof SwitchboardError)) return (err as Error)?.message ?? String(err);
  return `${err.message} (${err.code})`;
}
