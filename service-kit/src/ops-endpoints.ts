import http from 'node:http';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.ts';

export type OpsHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

/**
 * `/livez` (the process serves requests), `/readyz` (dependencies reachable and not draining;
 * 503 otherwise, with the failing checks) and `/metrics` (Prometheus text). Returns false for
 * any other path so a larger app can handle it.
 */
export function opsHandler(options: { readiness: Readiness; registry: Registry }): OpsHandler {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    switch (path) {
      case '/livez':
        send(res, 200, 'application/json', '{"live":true}');
        return true;
      case '/readyz': {
        const report = await options.readiness.report();
        send(res, report.ready ? 200 : 503, 'application/json', JSON.stringify(report));
        return true;
      }
      case '/metrics':
        send(res, 200, options.registry.contentType, await options.registry.metrics());
        return true;
      default:
        return false;
    }
  };
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string) {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/** A bare HTTP server for services that serve nothing but the ops endpoints (the persister). */
export async function startOpsServer(port: number, host: string, handler: OpsHandler): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled) send(res, 404, 'application/json', '{"error":"not found"}');
      },
      (err: Error) => send(res, 500, 'application/json', JSON.stringify({ error: err.message })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
