import {
  ClientEvent,
  ErrorCode,
  messageSendParser,
  SwitchboardError,
  type TypingEvent,
  typingSchema,
} from '@switchboard/protocol';
import type { Budget } from '../limits/budget.ts';
import type { SendMessage } from '../send-message.ts';
import type { HandleEvent } from './event-handler.ts';
import type { RoomGate } from './room-gate.ts';
import type { GatewaySocket } from './socket-types.ts';

/** `message:send` (into the send pipeline: Kafka, then broadcast and ack) and `typing`. */
export function handleMessageEvents(
  socket: GatewaySocket,
  handle: HandleEvent,
  deps: {
    sendMessage: SendMessage;
    gate: RoomGate;
    accepting: () => boolean;
    budgets: { sends: Budget; typing: Budget };
    announceTyping: (event: TypingEvent, exceptSocket: string) => Promise<void>;
  },
): void {
  const { user, principal } = socket.data;

  // The send budget is spent by the send itself, in its dedup claim's round trip to Redis (the
  // checks before it are local or cached): see send-message.ts. One bucket per connection.
  const sendsBucket = deps.budgets.sends.bucket(user);
  handle(ClientEvent.MessageSend, messageSendParser, null, async (input) => {
    if (!socket.rooms.has(input.room)) {
      throw new SwitchboardError(ErrorCode.NotJoined, `join "${input.room}" before sending to it`);
    }
    if (!deps.accepting()) {
      throw new SwitchboardError(ErrorCode.Unavailable, 'this gateway is shutting down; reconnect', {
        retryAfterMs: 500,
      });
    }
    // Membership may have changed since the join (a reader, a removal on another pod).
    await deps.gate.assertCanSend(principal, input.room);
    return deps.sendMessage(user, input, sendsBucket);
  });

  // Typing has its own budget: it never spends the sends'. Past it, typing is dropped without
  // a word (it is volatile; event-handler.ts sends no error for it).
  handle(ClientEvent.Typing, typingSchema, deps.budgets.typing, async ({ room }) => {
    if (!socket.rooms.has(room) || !(await deps.gate.canType(principal, room))) return;
    await deps.announceTyping({ room, user }, socket.id);
  });
}
