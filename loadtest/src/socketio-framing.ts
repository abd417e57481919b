/**
 * Engine.IO v4 / Socket.IO v5 text framing, enough for a load-test client on one WebSocket:
 * no binary attachments, no long-polling payload batching. Pure functions with no runtime
 * dependencies, so the same code runs in k6 (bundled) and in Node (tests against the
 * official parsers).
 *
 * A WebSocket frame carries one Engine.IO packet: its type digit, then data. Type 4
 * ("message") carries a Socket.IO packet: type digit, optional `/namespace,`, optional ack
 * id digits, then a JSON payload.
 */

export const EnginePacket = {
  Open: '0',
  Close: '1',
  Ping: '2',
  Pong: '3',
  Message: '4',
  Upgrade: '5',
  Noop: '6',
} as const;

export const SocketPacket = {
  Connect: 0,
  Disconnect: 1,
  Event: 2,
  Ack: 3,
  ConnectError: 4,
  BinaryEvent: 5,
  BinaryAck: 6,
} as const;
export type SocketPacketType = (typeof SocketPacket)[keyof typeof SocketPacket];

/** The handshake the server sends first (`0{...}`). */
export type OpenHandshake = {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload?: number;
};

export type SocketIoPacket = {
  type: SocketPacketType;
  nsp: string;
  id?: number;
  data?: unknown;
};

export type Frame =
  | { kind: 'open'; handshake: OpenHandshake }
  | { kind: 'close' }
  | { kind: 'ping'; data: string }
  | { kind: 'pong'; data: string }
  | { kind: 'noop' }
  | { kind: 'socket'; packet: SocketIoPacket };

export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

/** Decodes one text WebSocket frame. Throws FramingError on anything this client cannot speak. */
export function decodeFrame(text: string): Frame {
  const type = text.charAt(0);
  const rest = text.slice(1);
  switch (type) {
    case EnginePacket.Open:
      return { kind: 'open', handshake: parseJson(rest, 'open handshake') as OpenHandshake };
    case EnginePacket.Close:
      return { kind: 'close' };
    case EnginePacket.Ping:
      return { kind: 'ping', data: rest };
    case EnginePacket.Pong:
      return { kind: 'pong', data: rest };
    case EnginePacket.Noop:
      return { kind: 'noop' };
    case EnginePacket.Message:
      return { kind: 'socket', packet: decodeSocketPacket(rest) };
    default:
      throw new FramingError(`unknown Engine.IO packet type "${type}"`);
  }
}

export function decodeSocketPacket(text: string): SocketIoPacket {
  const typeDigit = Number(text.charAt(0));
  if (!Number.isInteger(typeDigit) || typeDigit < 0 || typeDigit > 6 || text.length === 0) {
    throw new FramingError(`unknown Socket.IO packet type in "${text.slice(0, 20)}"`);
  }
  const type = typeDigit as SocketPacketType;
  if (type === SocketPacket.BinaryEvent || type === SocketPacket.BinaryAck) {
    throw new FramingError('binary Socket.IO packets are not supported by this client');
  }
  let i = 1;
  let nsp = '/';
  if (text.charAt(i) === '/') {
    const comma = text.indexOf(',', i);
    const end = comma === -1 ? text.length : comma;
    nsp = text.slice(i, end);
    i = comma === -1 ? text.length : comma + 1;
  }
  let idDigits = '';
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
    idDigits += text.charAt(i);
    i++;
  }
  const packet: SocketIoPacket = { type, nsp };
  if (idDigits !== '') packet.id = Number(idDigits);
  if (i < text.length) packet.data = parseJson(text.slice(i), 'Socket.IO payload');
  return packet;
}

export function encodePong(data = ''): string {
  return EnginePacket.Pong + data;
}

export function encodeClose(): string {
  return EnginePacket.Close;
}

/** Namespace connect; `auth` is what the server reads as `socket.handshake.auth`. */
export function encodeConnect(auth?: Record<string, unknown>, nsp = '/'): string {
  return `${EnginePacket.Message}${SocketPacket.Connect}${nspPrefix(nsp)}${auth ? JSON.stringify(auth) : ''}`;
}

export function encodeDisconnect(nsp = '/'): string {
  return `${EnginePacket.Message}${SocketPacket.Disconnect}${nspPrefix(nsp)}`;
}

/** An event; with `ackId` the server calls back with an ACK packet carrying the same id. */
export function encodeEvent(event: string, args: unknown[], ackId?: number, nsp = '/'): string {
  const id = ackId === undefined ? '' : String(ackId);
  return `${EnginePacket.Message}${SocketPacket.Event}${nspPrefix(nsp)}${id}${JSON.stringify([event, ...args])}`;
}

/** The reply to a server event that asked for an acknowledgement. */
export function encodeAck(ackId: number, args: unknown[], nsp = '/'): string {
  return `${EnginePacket.Message}${SocketPacket.Ack}${nspPrefix(nsp)}${ackId}${JSON.stringify(args)}`;
}

/** ws:// or wss:// URL of the Socket.IO endpoint behind an http(s) base URL. */
export function socketIoUrl(target: string, path = '/socket.io/'): string {
  const base = target.replace(/\/+$/, '').replace(/^http(s?):\/\//, 'ws$1://');
  if (!/^wss?:\/\//.test(base)) throw new FramingError(`target must be an http(s) or ws(s) URL: ${target}`);
  const normalisedPath = `/${path.replace(/^\/+|\/+$/g, '')}/`;
  return `${base}${normalisedPath}?EIO=4&transport=websocket`;
}

function nspPrefix(nsp: string): string {
  return nsp === '/' ? '' : `${nsp},`;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FramingError(`${what} is not JSON: "${text.slice(0, 40)}"`);
  }
}
