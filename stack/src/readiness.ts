import net from 'node:net';
import { waitUntil } from '@switchboard/service-kit';

export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port nothing listens on right now, for processes a test starts beside the stack. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; isAlive?: () => boolean; logHint?: string },
): Promise<void> {
  const hint = options.logHint ? `; see ${options.logHint}` : '';
  const ready = await waitUntil(
    async () => {
      if (await check()) return true;
      if (options.isAlive && !options.isAlive()) throw new Error(`${what} exited while starting${hint}`);
      return false;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 200 },
  );
  if (!ready) throw new Error(`${what} not ready after ${options.timeoutMs} ms${hint}`);
}
