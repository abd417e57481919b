import type { EventEmitter } from 'node:events';
import { unavailable } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { RedisClient } from '../redis-connections.ts';

/** A room's sharded pub/sub channel; the hash tag puts it in the slot of the room's log. */
export const fanChannel = (room: string) => `sb:fan:{${room}}`;
const roomOfChannel = (channel: string) => channel.slice('sb:fan:{'.length, -1);

/** Subscriptions to the fan-out channels of the rooms this pod has members in. */
export type RoomChannels = {
  /** Resolves once this pod hears the room's channel (a member just joined here). */
  ready(room: string): Promise<void>;
  /**
   * Hears the room's channel for `ms` even without a member here: a session being restored
   * needs it before its socket exists (session-restore.ts).
   */
  hold(room: string, ms: number): Promise<void>;
  /** Rooms whose channel this pod hears. */
  readonly subscribed: number;
  stop(): void;
};

type Channel = { subscribed: boolean; holds: number; chain: Promise<void> };

/**
 * A pod subscribes to a room's channel while it has a member there and unsubscribes when the
 * last one leaves (the adapter's join-room and delete-room events), so it pays nothing for rooms
 * it has no members in. Subscribe and unsubscribe of one room run one after another. After a
 * lost connection ioredis subscribes again by itself; `resubscribed` then fills what was missed
 * meanwhile from the room's log.
 */
export function createRoomChannels(
  subscriber: RedisClient,
  deps: {
    /** The adapter of the namespace: its rooms and join/delete events. */
    adapter: EventEmitter & { rooms: Map<string, Set<string>> };
    onFrame(room: string, frame: string): void;
    /** Right before subscribing: notes where the room's log stands. */
    prepare(room: string): Promise<void>;
    /** The channel is heard again after a lost connection. */
    resubscribed(room: string): void;
    /** The channel is no longer heard. */
    released(room: string): void;
    logger: Logger;
  },
): RoomChannels {
  const channels = new Map<string, Channel>();
  let stopped = false;

  // A room of sockets other than a socket's own id-room, or a held one. User rooms are local.
  const wanted = (room: string, channel: Channel) => {
    if (stopped) return false;
    if (channel.holds > 0) return true;
    for (const id of deps.adapter.rooms.get(room) ?? []) if (id !== room) return true;
    return false;
  };

  const sync = (room: string): Promise<void> => {
    let channel = channels.get(room);
    if (!channel) {
      channel = { subscribed: false, holds: 0, chain: Promise.resolve() };
      channels.set(room, channel);
    }
    const c = channel;
    c.chain = c.chain.then(async () => {
      try {
        if (wanted(room, c) && !c.subscribed) {
          await deps.prepare(room);
          await subscriber.ssubscribe(fanChannel(room));
          c.subscribed = true;
        } else if (!wanted(room, c) && c.subscribed) {
          c.subscribed = false;
          deps.released(room);
          await subscriber.sunsubscribe(fanChannel(room));
        }
      } catch (err) {
        deps.logger.warn({ err, room }, 'fan-out channel (un)subscribe failed');
      } finally {
        if (!c.subscribed && !wanted(room, c) && channels.get(room) === c) channels.delete(room);
      }
    });
    return c.chain;
  };

  const heard = async (room: string) => {
    await sync(room);
    if (!channels.get(room)?.subscribed) throw unavailable('the room is not reachable right now');
  };

  const onJoin = (room: string, id: string) => {
    if (id === room || room.startsWith('@')) return;
    if (!channels.get(room)?.subscribed) void sync(room);
  };
  const onDelete = (room: string) => {
    if (channels.has(room)) void sync(room);
  };
  deps.adapter.on('join-room', onJoin);
  deps.adapter.on('delete-room', onDelete);

  subscriber.on('smessage', (channel: string, frame: string) => deps.onFrame(roomOfChannel(channel), frame));
  let connectedOnce = false;
  subscriber.on('ready', () => {
    if (!connectedOnce) {
      connectedOnce = true;
      return;
    }
    // ioredis has issued its own resubscribes by now; ours queue behind them, so once they
    // answer the channels are heard and the logs can be read for what passed meanwhile.
    for (const [room, channel] of channels) {
      if (!channel.subscribed) continue;
      subscriber.ssubscribe(fanChannel(room)).then(
        () => deps.resubscribed(room),
        (err) => deps.logger.warn({ err, room }, 'fan-out channel not subscribed again'),
      );
    }
  });

  return {
    ready: heard,
    async hold(room, ms) {
      const channel = channels.get(room) ?? { subscribed: false, holds: 0, chain: Promise.resolve() };
      channels.set(room, channel);
      channel.holds++;
      setTimeout(() => {
        channel.holds--;
        void sync(room);
      }, ms).unref();
      await heard(room);
    },
    get subscribed() {
      let n = 0;
      for (const channel of channels.values()) if (channel.subscribed) n++;
      return n;
    },
    stop() {
      stopped = true;
      deps.adapter.off('join-room', onJoin);
      deps.adapter.off('delete-room', onDelete);
    },
  };
}
