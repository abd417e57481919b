/**
 * A small Socket.IO client for k6: one WebSocket (k6/websockets), Engine.IO v4 framing,
 * namespace "/" with `auth: { token }`, events, acks both ways, ping answered with pong.
 * Promise-based so scenarios read top to bottom; everything runs on the VU's event loop.
 */
import { clearTimeout, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import {
  decodeFrame,
  encodeAck,
  encodeConnect,
  encodeDisconnect,
  encodeEvent,
  encodePong,
  type Frame,
  type OpenHandshake,
  SocketPacket,
  socketIoUrl,
} from '../../src/socketio-framing.ts';

export type ConnectOptions = {
  target: string;
  token: string;
  socketPath?: string;
  /** Until the namespace connect is confirmed. */
  timeoutMs?: number;
  tags?: Record<string, string>;
};

/** `44{...}`: the server's `next(err)`; err.data carries the protocol error when it sets one. */
type ConnectErrorData = { message?: string; data?: { code?: string; error?: { code?: string } } };
// k6's WebSocket class lacks the static readyState constants its typings declare.
const CONNECTING = 0;
const OPEN = 1;

type Handler = (...args: unknown[]) => void;
type PendingAck = { resolve: (args: unknown[]) => void; reject: (err: Error) => void; timer: number };

/** Why a connect or an emit failed; `code` is the server's error code when it sent one. */
export class SocketIoError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SocketIoError';
    this.code = code;
  }
}

export class SocketIoClient {
  readonly ws: WebSocket;
  handshake: OpenHandshake | undefined;
  sid: string | undefined;
  connected = false;
  private nextAckId = 0;
  private readonly pending = new Map<number, PendingAck>();
  private readonly handlers = new Map<string, Handler[]>();
  private readonly closeHandlers: Array<(reason: string) => void> = [];
  private closedReason: string | undefined;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  /** Handles a server event; extra arguments (e.g. a recovery offset) are passed along. */
  on(event: string, handler: Handler): void {
    const list = this.handlers.get(event) ?? [];
    list.push(handler);
    this.handlers.set(event, list);
  }

  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  emit(event: string, ...args: unknown[]): void {
    this.ws.send(encodeEvent(event, args));
  }

  /** Emits and resolves with the first argument of the server's ack. */
  emitWithAck<T = unknown>(event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
    if (!this.connected) return Promise.reject(new SocketIoError('DISCONNECTED', 'not connected'));
    const id = this.nextAckId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SocketIoError('ACK_TIMEOUT', `no ack for ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: (args) => resolve(args[0] as T), reject, timer });
      this.ws.send(encodeEvent(event, [payload], id));
    });
  }

  /** Leaves the namespace and closes the socket. */
  close(): void {
    if (this.ws.readyState === OPEN) {
      if (this.connected) this.ws.send(encodeDisconnect());
      this.ws.close();
    }
  }

  /** @internal called for every frame after the namespace connect. */
  dispatch(frame: Frame): void {
    switch (frame.kind) {
      case 'ping':
        this.ws.send(encodePong(frame.data));
        return;
      case 'close':
        this.ws.close();
        return;
      case 'socket': {
        const packet = frame.packet;
        if (packet.type === SocketPacket.Event) {
          const [event, ...args] = packet.data as [string, ...unknown[]];
          if (packet.id !== undefined) this.ws.send(encodeAck(packet.id, []));
          for (const handler of this.handlers.get(event) ?? []) handler(...args);
        } else if (packet.type === SocketPacket.Ack && packet.id !== undefined) {
          const waiting = this.pending.get(packet.id);
          if (waiting) {
            this.pending.delete(packet.id);
            clearTimeout(waiting.timer);
            waiting.resolve(packet.data as unknown[]);
          }
        } else if (packet.type === SocketPacket.Disconnect) {
          this.connected = false;
          this.ws.close();
        }
        return;
      }
      default:
        return;
    }
  }

  /** @internal */
  closed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.connected = false;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new SocketIoError('DISCONNECTED', `connection closed before ack ${id}: ${reason}`));
    }
    this.pending.clear();
    for (const handler of this.closeHandlers) handler(reason);
  }
}

/**
 * Opens the WebSocket, waits for the Engine.IO handshake, connects to namespace "/" with the
 * token and resolves once the server accepts. A refusal (`44{...}`) rejects with the server's
 * error code (e.g. UNAUTHENTICATED) when it sent one.
 */
export function connect(options: ConnectOptions): Promise<SocketIoClient> {
  const url = socketIoUrl(options.target, options.socketPath);
  const ws = new WebSocket(url, null, options.tags ? { tags: options.tags } : null);
  const client = new SocketIoClient(ws);
  return new Promise<SocketIoClient>((resolve, reject) => {
    let settled = false;
    const fail = (err: SocketIoError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
      if (ws.readyState === OPEN || ws.readyState === CONNECTING) ws.close();
    };
    const timer = setTimeout(
      () =>
        fail(
          new SocketIoError(
            'CONNECT_TIMEOUT',
            `no namespace connect within ${options.timeoutMs ?? 10_000} ms`,
          ),
        ),
      options.timeoutMs ?? 10_000,
    );
    ws.onmessage = (event) => {
      if (typeof event?.data !== 'string') return;
      let frame: Frame;
      try {
        frame = decodeFrame(event.data);
      } catch (err) {
        // A frame this client cannot read is a protocol failure of this connection alone.
        fail(new SocketIoError('FRAMING', (err as Error).message));
        client.close();
        return;
      }
      if (frame.kind === 'open') {
        client.handshake = frame.handshake;
        ws.send(encodeConnect({ token: options.token }));
        return;
      }
      if (!settled && frame.kind === 'socket' && frame.packet.type === SocketPacket.Connect) {
        settled = true;
        clearTimeout(timer);
        client.connected = true;
        client.sid = (frame.packet.data as { sid?: string } | undefined)?.sid;
        resolve(client);
        return;
      }
      if (!settled && frame.kind === 'socket' && frame.packet.type === SocketPacket.ConnectError) {
        const data = frame.packet.data as ConnectErrorData | undefined;
        const code = data?.data?.code ?? data?.data?.error?.code ?? 'CONNECT_ERROR';
        fail(new SocketIoError(code, data?.message ?? 'connect refused'));
        return;
      }
      client.dispatch(frame);
    };
    ws.onerror = (event) => {
      fail(new SocketIoError('WS_ERROR', event?.error ?? 'websocket error'));
      client.closed(`error: ${event?.error ?? 'websocket error'}`);
    };
    ws.onclose = () => {
      fail(new SocketIoError('WS_CLOSED', 'websocket closed during connect'));
      client.closed('closed');
    };
  });
}
