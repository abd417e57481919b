import type { Logger } from '@switchboard/service-kit';
import type { GatewayIo, SocketData } from './socket-types.ts';

/** Whether `user` may still read `room` (membership as it is now, not as it was at disconnect). */
export type MayRead = (user: string, room: string) => Promise<boolean>;

type Session = { sid: string; rooms: string[]; data: unknown; missedPackets: unknown[][] };

/**
 * Socket.IO restores a session's rooms and replays its missed broadcasts before any middleware
 * runs, from what was saved at disconnect. Membership is decided again here (G8): rooms the user
 * was removed from meanwhile are dropped with every missed packet of theirs. When membership
 * cannot be decided the session is not recovered (the client joins afresh).
 */
export function recheckRecoveredSessions(io: GatewayIo, mayRead: MayRead, logger: Logger): void {
  const adapter = io.of('/').adapter as unknown as {
    restoreSession(pid: string, offset: string): Promise<Session | undefined>;
  };
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restore(pid, offset);
    const user = (session?.data as Partial<SocketData> | undefined)?.user;
    if (!session || typeof user !== 'string') return session;
    try {
      const allowed = new Set<string>();
      for (const room of session.rooms) {
        // The socket's own room and its user room are not chat rooms.
        if (room === session.sid || room.startsWith('@') || (await mayRead(user, room))) allowed.add(room);
      }
      // The connection handler tells the client (room:removed), as if it had been connected.
      const removed = session.rooms.filter((r) => !allowed.has(r));
      (session.data as Partial<SocketData>).removedWhileAway = removed;
      session.rooms = session.rooms.filter((r) => allowed.has(r));
      session.missedPackets = session.missedPackets.filter((packet) => {
        const room = (packet[1] as { room?: unknown } | undefined)?.room;
        return typeof room !== 'string' || allowed.has(room);
      });
      return session;
    } catch (err) {
      logger.warn({ err, user }, 'recovery: membership could not be decided; starting a fresh session');
      return undefined;
    }
  };
}
