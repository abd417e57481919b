import {
  ClientEvent,
  ErrorCode,
  type MessageSend,
  messageSendParser,
  SwitchboardError,
  type Typing,
  type TypingEvent,
  typingSchema,
} from '@switchboard/protocol';
import type { Budget } from '../limits/budget.ts';
import type { SendMessage } from '../send-message.ts';
import type { DefineEvent, EventListener } from './event-handler.ts';
import type { RoomGate } from './room-gate.ts';
import type { GatewaySocket } from './socket-types.ts';

/**
 * `message:send` (into the send pipeline: Kafka, then broadcast and ack) and `typing`, one
 * listener each for every connection.
 */
export function messageEventListeners(
  define: DefineEvent,
  deps: {
    sendMessage: SendMessage;
    gate: RoomGate;
    accepting: () => boolean;
    budgets: { sends: Budget; typing: Budget };
    announceTyping: (event: TypingEvent, exceptSocket: string) => Promise<void>;
  },
): Record<string, EventListener> {
  const send = async (socket: GatewaySocket, input: MessageSend) => {
    const { user, principal } = socket.data;
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
    // The send budget is spent by the send itself, in its dedup claim's round trip to Redis
    // (the checks before it are local or cached): see send-message.ts.
    return deps.sendMessage(user, input, deps.budgets.sends.bucket(user));
  };

  // Typing has its own budget: it never spends the sends'. Past it, typing is dropped without
  // a word (it is volatile; event-handler.ts sends no error for it).
  const typing = async (socket: GatewaySocket, { room }: Typing) => {
    const { user, principal } = socket.data;
    if (!socket.rooms.has(room) || !(await deps.gate.canType(principal, room))) return;
    await deps.announceTyping({ room, user }, socket.id);
  };

  return {
    [ClientEvent.MessageSend]: define(ClientEvent.MessageSend, messageSendParser, null, send),
    [ClientEvent.Typing]: define(ClientEvent.Typing, typingSchema, deps.budgets.typing, typing),
  };
}
