import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';

/**
 * CORS of the history and rooms API: the origins Socket.IO accepts (CORS_ORIGINS), so a page
 * that embeds the client on another site can load history and manage rooms as it chats.
 * Preflights admit the headers the web client sends (a bearer token, a JSON body). No
 * credentials: the API authenticates by the Authorization header, never by cookie. Another
 * origin gets no CORS header at all; without configured origins there is no middleware.
 */
export function apiCors(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  const allowed = new Set(origins);
  const options: CorsOptions = {
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    // A 429's delay must be readable by the page that has to wait.
    exposedHeaders: ['Retry-After'],
    maxAge: 600,
  };
  return cors((req, callback) => {
    const origin = req.headers.origin;
    callback(null, origin !== undefined && allowed.has(origin) ? options : { origin: false });
  });
}
