/**
 * A connection whose client does not read what it is sent (a paused tab, a hostile client)
 * keeps it in this pod's memory: packets wait in engine.io's write buffer until the transport
 * can take them, then in the WebSocket's send buffer. Past a bound the connection is closed,
 * so one client cannot grow a pod's memory (G6).
 */

/** The bytes a packet keeps in memory while it waits (strings counted by their length). */
export function packetBytes(packet: { data?: unknown }): number {
  const { data } = packet;
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * Counts what waits in the write buffer as packets are queued while the transport is busy (O(1)
 * per packet, however long the buffer). engine.io hands its whole write buffer to the transport
 * and starts a new array, so a packet queued into another array than the last one's means what
 * was counted has left: no listener runs on every flush. The transport's own buffer is added
 * at each check. A class: every connection has one.
 */
export class BufferMeter {
  private readonly maxBytes: number;
  private waiting = 0;
  private buffer: object | undefined;
  /** Set once the connection is being closed for it. */
  tripped = false;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** A packet of `bytes` queued into `buffer` (the connection's write buffer now). */
  queued(bytes: number, buffer: object): void {
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.waiting = 0;
    }
    this.waiting += bytes;
  }

  /** The bytes waiting now, when they are over the bound; otherwise undefined. */
  over(transportBuffered: number): number | undefined {
    const total = this.waiting + transportBuffered;
    return total > this.maxBytes ? total : undefined;
  }
}

/** What slow-consumer detection needs of an engine.io connection. */
export type EngineConnection = {
  on(event: 'packetCreate', listener: (this: EngineConnection, packet: { data?: unknown }) => void): unknown;
  /** The packets waiting for the transport; replaced by a new array at each flush. */
  writeBuffer: object;
  transport: {
    name: string;
    writable: boolean;
    socket?: { bufferedAmount?: number; terminate?: () => void };
  };
  close(discard?: boolean): unknown;
};

/**
 * Watches connections; past `maxBytes` one calls `onSlow` once and is closed at once, dropping
 * what it buffered (a WebSocket is terminated, not closed with a handshake its peer would not
 * read). The listeners are shared by every connection (`this` is the connection) and each
 * connection keeps only its meter, so an idle connection costs one small object here.
 */
export function slowConsumerWatch<Owner>(options: {
  maxBytes: number;
  onSlow: (owner: Owner, bufferedBytes: number) => void;
}): (conn: EngineConnection, owner: Owner) => void {
  const watched = new WeakMap<EngineConnection, { meter: BufferMeter; owner: Owner }>();
  function packetCreate(this: EngineConnection, packet: { data?: unknown }) {
    // A transport that can take the packet gets it at once (engine.io flushes right after this
    // event): only packets that wait are counted, so a reading client costs one property read.
    if (this.transport.writable) return;
    const entry = watched.get(this);
    if (!entry || entry.meter.tripped) return;
    const { meter } = entry;
    meter.queued(packetBytes(packet), this.writeBuffer);
    const ws = this.transport.name === 'websocket' ? this.transport.socket : undefined;
    const buffered = meter.over(ws?.bufferedAmount ?? 0);
    if (buffered === undefined) return;
    meter.tripped = true;
    options.onSlow(entry.owner, buffered);
    // After engine.io has finished queueing this packet, not in the middle of it.
    process.nextTick(() => {
      ws?.terminate?.();
      this.close(true);
    });
  }
  return (conn, owner) => {
    watched.set(conn, { meter: new BufferMeter(options.maxBytes), owner });
    conn.on('packetCreate', packetCreate);
  };
}
