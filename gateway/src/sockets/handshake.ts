import { ErrorCode, SwitchboardError, toSwitchboardError } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { GatewayIo } from './socket-types.ts';

/**
 * Every connection, recovered ones included, shows a valid token; a refusal is a
 * `connect_error` whose `data` is the error body.
 */
export function authenticateHandshakes(
  io: GatewayIo,
  deps: { verifyToken: TokenVerifier; metrics: GatewayMetrics; logger: Logger },
): void {
  io.use(async (socket, next) => {
    try {
      const principal = await deps.verifyToken((socket.handshake.auth as { token?: unknown })?.token);
      // A recovered session (G5) carries its former user: it only goes back to that user.
      if (socket.recovered && socket.data.user !== principal.user) {
        throw new SwitchboardError(ErrorCode.Unauthenticated, 'the session belongs to another user');
      }
      socket.data.user = principal.user;
      socket.data.principal = principal;
      // Verified once; the connection keeps its principal, not the token.
      socket.handshake.auth = {};
      next();
    } catch (err) {
      const error = toSwitchboardError(err, (e) => deps.logger.error({ err: e }, 'handshake failed'));
      deps.metrics.clientErrors.inc({ event: 'handshake', code: error.code });
      next(Object.assign(new Error(error.message), { data: error.toBody() }));
    }
  });
}
