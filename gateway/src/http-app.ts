import { type ErrorCode, Limits, SwitchboardError } from '@switchboard/protocol';
import type { Logger, OpsHandler } from '@switchboard/service-kit';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { z } from 'zod';
import { mintDevToken } from './auth/dev-token.ts';
import type { GatewayMetrics } from './metrics.ts';

const STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INVALID: 400,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  NOT_JOINED: 403,
  UNKNOWN_EVENT: 404,
  INTERNAL: 500,
};

const devTokenRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(Limits.userIdMaxLength),
  rooms: z.array(z.string()).optional(),
});

/**
 * Everything HTTP except Socket.IO (which takes /socket.io/ on the same server): ops
 * endpoints, the history API, the development token endpoint and the built web client.
 */
export function createHttpApp(deps: {
  ops: OpsHandler;
  history: express.Router;
  metrics: GatewayMetrics;
  logger: Logger;
  webRoot: string;
  devToken?: { secret: string; ttlSeconds: number; issuer?: string; audience?: string };
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    deps.ops(req, res).then((handled) => handled || next(), next);
  });
  app.use('/v1/rooms', (_req, res, next) => {
    res.on('finish', () => deps.metrics.historyRequests.inc({ status: res.statusCode }));
    next();
  });
  app.use(deps.history);
  if (deps.devToken) {
    const devToken = deps.devToken;
    // Development only (config refuses it in production): lets the web client sign in by name.
    app.post('/v1/dev/token', express.json({ limit: '4kb' }), async (req, res) => {
      const parsed = devTokenRequestSchema.safeParse(req.body);
      if (!parsed.success) throw new SwitchboardError('INVALID', 'expected { "name": "<user>" }');
      res.json(
        await mintDevToken({
          secret: devToken.secret,
          sub: parsed.data.name,
          rooms: parsed.data.rooms,
          ttlSeconds: devToken.ttlSeconds,
          issuer: devToken.issuer,
          audience: devToken.audience,
        }),
      );
    });
  }
  // Mounted even when the folder does not exist yet, so a later `make web` needs no restart.
  // Vite names assets by content hash: they are immutable; index.html must be revalidated
  // or a browser keeps script links to assets a rebuild deleted.
  app.use(
    express.static(deps.webRoot, {
      index: 'index.html',
      setHeaders: (res, file) => {
        res.setHeader(
          'cache-control',
          file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    }),
  );
  app.use((_req, res) => {
    res.status(404).json({ ok: false, error: { code: 'INVALID', message: 'not found', retryable: false } });
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const error =
      err instanceof SwitchboardError
        ? err
        : (err as { type?: string }).type === 'entity.parse.failed'
          ? new SwitchboardError('INVALID', 'the body is not JSON')
          : (err as { type?: string }).type === 'entity.too.large'
            ? new SwitchboardError('TOO_LARGE', 'the body is too large')
            : undefined;
    if (!error) deps.logger.error({ err, path: req.path }, 'http request failed');
    const final = error ?? new SwitchboardError('INTERNAL', 'internal error');
    if (final.retryAfterMs !== undefined)
      res.set('retry-after', String(Math.ceil(final.retryAfterMs / 1000)));
    res.status(STATUS[final.code]).json(final.toAck());
  };
  app.use(onError);
  return app;
}
