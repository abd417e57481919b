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
 * Counts what waits in the write buffer as packets are queued (O(1) per packet, however long
 * the buffer) and forgets it when the buffer is handed to the transport; the transport's own
 * buffer is added at each check.
 */
export function createBufferMeter(maxBytes: number) {
  let queued = 0;
  return {
    queued: (bytes: number) => {
      queued += bytes;
    },
    flushed: () => {
      queued = 0;
    },
    /** The bytes waiting now, when they are over the bound; otherwise undefined. */
    over(transportBuffered: number): number | undefined {
      const total = queued + transportBuffered;
      return total > maxBytes ? total : undefined;
    },
  };
}

/** What slow-consumer detection needs of an engine.io connection. */
export type EngineConnection = {
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
  on(event: 'flush', listener: () => void): unknown;
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): unknown;
};

/**
 * Watches one connection; past `maxBytes` calls `onSlow` once and closes it at once, dropping
 * what it buffered (a WebSocket is terminated, not closed with a handshake its peer would not
 * read).
 */
export function watchSlowConsumer(
  conn: EngineConnection,
  options: { maxBytes: number; onSlow: (bufferedBytes: number) => void },
): void {
  const meter = createBufferMeter(options.maxBytes);
  let closed = false;
  conn.on('flush', () => meter.flushed());
  conn.on('packetCreate', (packet) => {
    if (closed) return;
    meter.queued(packetBytes(packet));
    const ws = conn.transport.name === 'websocket' ? conn.transport.socket : undefined;
    const buffered = meter.over(ws?.bufferedAmount ?? 0);
    if (buffered === undefined) return;
    closed = true;
    options.onSlow(buffered);
    // After engine.io has finished queueing this packet, not in the middle of it.
    process.nextTick(() => {
      ws?.terminate?.();
      conn.close(true);
    });
  });
}
