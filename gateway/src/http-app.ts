import { ErrorCode, httpStatus, Limits, SwitchboardError, toSwitchboardError } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { z } from 'zod';
import { apiCors } from './api-cors.ts';
import { mintDevToken } from './auth/dev-token.ts';
import type { GatewayMetrics } from './metrics.ts';

const devTokenRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(Limits.userIdMaxLength),
  rooms: z.array(z.string()).optional(),
});

/**
 * Everything on the public port except Socket.IO (which takes /socket.io/ on the same
 * server): the history and rooms APIs with their CORS, the development token endpoint and the
 * built web client. The ops endpoints are not here: they have a port of their own (OPS_PORT).
 * The app exists before the server (Socket.IO must attach after its request handler); its
 * routes are installed once what they call exists.
 */
export function installHttpRoutes(
  app: Express,
  deps: {
    corsOrigins: readonly string[];
    history: express.Router;
    rooms: express.Router;
    metrics: GatewayMetrics;
    logger: Logger;
    webRoot: string;
    devToken?: { secret: string; ttlSeconds: number; issuer?: string; audience?: string };
  },
): void {
  app.disable('x-powered-by');
  const cors = apiCors(deps.corsOrigins);
  if (cors) app.use('/v1', cors);
  app.use('/v1/rooms', (_req, res, next) => {
    res.on('finish', () => deps.metrics.historyRequests.inc({ status: res.statusCode }));
    next();
  });
  app.use(deps.history);
  app.use(deps.rooms);
  if (deps.devToken) {
    const devToken = deps.devToken;
    // Development only (config refuses it in production): lets the web client sign in by name.
    app.post('/v1/dev/token', express.json({ limit: '4kb' }), async (req, res) => {
      const parsed = devTokenRequestSchema.safeParse(req.body);
      if (!parsed.success) throw new SwitchboardError(ErrorCode.Invalid, 'expected { "name": "<user>" }');
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
    res.status(404).json(new SwitchboardError(ErrorCode.NotFound, 'not found').toAck());
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const type = (err as { type?: string }).type;
    const error =
      type === 'entity.parse.failed'
        ? new SwitchboardError(ErrorCode.Invalid, 'the body is not JSON')
        : type === 'entity.too.large'
          ? new SwitchboardError(ErrorCode.TooLarge, 'the body is too large')
          : toSwitchboardError(err, (e) =>
              deps.logger.error({ err: e, path: req.path }, 'http request failed'),
            );
    if (error.retryAfterMs !== undefined)
      res.set('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
    res.status(httpStatus(error.code)).json(error.toAck());
  };
  app.use(onError);
}
