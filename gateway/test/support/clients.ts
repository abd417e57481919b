import { after } from 'node:test';
import { ClientEvent, type ErrorBody } from '@switchboard/protocol';
import { devJwtSecret } from '@switchboard/stack';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { mintDevToken } from '../../src/auth/dev-token.ts';

export async function tokenFor(user: string, options: { rooms?: string[]; ttlSeconds?: number } = {}) {
  return (await mintDevToken({ secret: devJwtSecret, sub: user, ...options })).token;
}

/** A connected client; rejects with the server's connect_error (its `data` is the ErrorBody). */
export async function connectClient(
  url: string,
  auth: { token?: string; user?: string },
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Socket> {
  const token = auth.token ?? (auth.user ? await tokenFor(auth.user) : undefined);
  const socket = io(url, {
    auth: token ? { token } : {},
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...options,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Any ack of the protocol, loosely typed so tests read the fields they assert on. */
export type Reply = {
  ok: boolean;
  id: string;
  ts: number;
  duplicate?: boolean;
  presence?: string[];
  error: ErrorBody & { retryAfterMs: number };
};

export function request<T = Reply>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs = 20_000,
): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Everything a socket receives for `event`, in order. */
export function record<T>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => {
    seen.push(payload);
  });
  return seen;
}

/** Polls a condition (never a fixed sleep as an assertion); fails with `what` after the timeout. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function uniqueRoom(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A promise that fails with `what` if it has not settled in time, so no test can hang. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for: ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `joined(url, user, room)`: a client connected and in the room. Every client made through it
 * is closed when the test file ends.
 */
export function joinedClients() {
  const sockets: Socket[] = [];
  after(() => {
    for (const s of sockets) s.close();
  });
  return async (url: string, user: string, room: string): Promise<Socket> => {
    const socket = await connectClient(url, { user });
    sockets.push(socket);
    await request(socket, ClientEvent.RoomJoin, { room });
    return socket;
  };
}
