import { ServerEvent } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { LogEntry, RoomLog } from '../catch-up/room-log.ts';
import type { RedisClient } from '../redis-connections.ts';
import type { GatewayIo, SocketData } from '../sockets/socket-types.ts';
import { compareLogIds, logIdAt, parseLogId } from './log-ids.ts';
import type { RoomChannels } from './room-channels.ts';
import type { RoomFanOut } from './room-fan-out.ts';

/** Whether `user` may still read `room` (membership as it is now, not as it was at disconnect). */
export type MayRead = (user: string, room: string) => Promise<boolean>;

type Session = { sid: string; pid: string; rooms: string[]; data: unknown; missedPackets: unknown[][] };

/** How long a session's rooms are heard before its socket exists and joins them. */
const HOLD_MS = 10_000;

/**
 * Connection state recovery (G5) over the rooms' logs. Messages no longer travel through the
 * adapter's stream (fan-out by interest), so the session is restored here instead of by the
 * adapter: its rooms come back as saved at disconnect, less those the user was removed from
 * meanwhile (G8: those are told `room:removed` by the connection handler), and its missed
 * messages come from each room's log.
 *
 * A client's offset is the log entry id of the last message it got (or, from presence, the
 * room's last entry or the time). In the room that entry belongs to, the client has everything
 * up to it; in its other rooms, the replay starts `marginMs` before it (the logs of different
 * rooms are only ordered by time), so a message may come twice: clients keep one per id.
 * Where a log no longer reaches that far, the session is not recovered and the client joins
 * afresh with `since` (G9).
 *
 * Order matters: the rooms are heard (subscribed) and watched before their logs are read, so a
 * message published meanwhile is in the read or in what the watch collected; between the end of
 * this and the socket joining its rooms nothing else runs.
 */
export function restoreSessionsFromRoomLogs(
  io: GatewayIo,
  deps: {
    redis: RedisClient;
    log: RoomLog;
    channels: RoomChannels;
    fanOut: RoomFanOut;
    mayRead: MayRead;
    windowMs: number;
    marginMs: number;
    logger: Logger;
  },
): void {
  const adapter = io.of('/').adapter as unknown as {
    persistSession(session: Omit<Session, 'missedPackets'>): void;
    restoreSession(pid: string, offset: string): Promise<Session | undefined>;
  };
  const key = (pid: string) => `sb:sio:session:${pid}`;
  const packetOf = (e: LogEntry) => [ServerEvent.Message, e.message, e.id];
  const arriving = new Map<string, { stop(): LogEntry[]; lastOf: Map<string, string> }>();

  io.on('connection', (socket) => {
    const pending = arriving.get(socket.id);
    if (!pending) return;
    arriving.delete(socket.id);
    for (const entry of pending.stop()) {
      const last = pending.lastOf.get(entry.message.room);
      if (!socket.rooms.has(entry.message.room) || (last && compareLogIds(entry.id, last) <= 0)) continue;
      pending.lastOf.set(entry.message.room, entry.id);
      socket.emit(ServerEvent.Message, entry.message, entry.id);
    }
  });

  adapter.persistSession = (session) => {
    deps.redis
      .set(key(session.pid), JSON.stringify(session), 'PX', deps.windowMs)
      .catch((err) => deps.logger.warn({ err }, 'session not saved for recovery'));
  };

  adapter.restoreSession = async (pid, offset) => {
    const cursor = parseLogId(offset);
    if (!cursor) return undefined;
    const raw = await deps.redis.getdel(key(pid));
    if (!raw) return undefined;
    const session = { ...(JSON.parse(raw) as Omit<Session, 'missedPackets'>), missedPackets: [] } as Session;
    const user = (session.data as Partial<SocketData> | undefined)?.user;
    if (typeof user !== 'string') return undefined;
    // The socket's own room and its user room are not chat rooms.
    const chatRooms = session.rooms.filter((r) => r !== session.sid && !r.startsWith('@'));
    try {
      const allowed = new Set<string>();
      for (const room of chatRooms) if (await deps.mayRead(user, room)) allowed.add(room);
      (session.data as Partial<SocketData>).removedWhileAway = chatRooms.filter((r) => !allowed.has(r));
      session.rooms = session.rooms.filter((r) => !chatRooms.includes(r) || allowed.has(r));

      await Promise.all([...allowed].map((room) => deps.channels.hold(room, HOLD_MS)));
      const watch = deps.fanOut.watch(allowed);
      let reads: { room: string; entries: LogEntry[]; covers: boolean }[];
      try {
        const from = logIdAt(Math.max(0, cursor.ms - deps.marginMs));
        reads = await Promise.all(
          [...allowed].map(async (room) => ({ room, ...(await deps.log.entriesFrom(room, from)) })),
        );
      } catch (err) {
        watch.stop();
        throw err;
      }
      if (reads.some((r) => !r.covers)) {
        watch.stop();
        return undefined;
      }
      const missed: LogEntry[] = [];
      const lastOf = new Map<string, string>();
      for (const { room, entries } of reads) {
        const seen = entries.findIndex((e) => e.id === offset);
        for (const entry of seen >= 0 ? entries.slice(seen + 1) : entries) missed.push(entry);
        const last = entries.at(-1)?.id;
        if (last) lastOf.set(room, last);
      }
      missed.sort((a, b) => compareLogIds(a.id, b.id));
      session.missedPackets = missed.map(packetOf);
      // Until the socket is connected (its middlewares run first) the adapter does not deliver
      // to it: what arrives meanwhile follows the replay once it is.
      arriving.set(session.sid, { stop: watch.stop, lastOf });
      setTimeout(() => {
        if (arriving.get(session.sid)?.stop === watch.stop) arriving.delete(session.sid);
        watch.stop();
      }, HOLD_MS).unref();
      return session;
    } catch (err) {
      deps.logger.warn({ err, user }, 'recovery: session not restored; the client starts a fresh one');
      return undefined;
    }
  };
}
