import type { ChatMessage, PresenceEvent, TypingEvent } from '@switchboard/protocol';

/**
 * What travels on a room's fan-out channel, one text frame each, its kind first:
 * - `M <entry id> <previous entry id or empty> <message JSON>`, written by the room's publish
 *   script (room-fan-out.ts) with the log entry, so every pod can tell a gap in what it heard;
 * - `P <presence JSON>`;
 * - `T <socket id to skip> <typing JSON>`.
 */
export type FanPacket =
  | { kind: 'message'; id: string; prev: string; message: ChatMessage }
  | { kind: 'presence'; event: PresenceEvent }
  | { kind: 'typing'; event: TypingEvent; except: string };

export const presencePacket = (event: PresenceEvent) => `P ${JSON.stringify(event)}`;
export const typingPacket = (event: TypingEvent, except: string) => `T ${except} ${JSON.stringify(event)}`;

/** The packet a frame holds, or undefined for a frame no pod of this version writes. */
export function parseFanPacket(frame: string): FanPacket | undefined {
  try {
    switch (frame[0]) {
      case 'M': {
        const afterId = frame.indexOf(' ', 2);
        const afterPrev = frame.indexOf(' ', afterId + 1);
        if (afterId < 0 || afterPrev < 0) return undefined;
        return {
          kind: 'message',
          id: frame.slice(2, afterId),
          prev: frame.slice(afterId + 1, afterPrev),
          message: JSON.parse(frame.slice(afterPrev + 1)) as ChatMessage,
        };
      }
      case 'P':
        return { kind: 'presence', event: JSON.parse(frame.slice(2)) as PresenceEvent };
      case 'T': {
        const afterExcept = frame.indexOf(' ', 2);
        if (afterExcept < 0) return undefined;
        return {
          kind: 'typing',
          except: frame.slice(2, afterExcept),
          event: JSON.parse(frame.slice(afterExcept + 1)) as TypingEvent,
        };
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
