import { devJwtSecret, gatewayPorts, HOST, type PortName, ports, repoRoot, serviceEnv } from '../layout.ts';
import { httpOk } from '../readiness.ts';
import type { StackService } from '../service.ts';

/** The environment of one local gateway (also used by tests that start gateways of their own). */
export function gatewayEnv(port: number): Record<string, string> {
  return {
    ...serviceEnv(),
    PORT: String(port),
    HOST,
    JWT_SECRET: devJwtSecret,
    DEV_TOKEN_ENDPOINT: 'true',
    KAFKA_CLIENT_ID: `switchboard-gateway-${port}`,
    SHUTDOWN_GRACE_MS: '10000',
    LOG_LEVEL: process.env.SB_GATEWAY_LOG_LEVEL ?? 'info',
  };
}

function gateway(index: number, port: PortName): StackService {
  const name = `gateway-${index}`;
  return {
    name,
    description: `gateway ${index} (Socket.IO, history API)`,
    port,
    dependsOn: ['redis', 'postgres', 'kafka'],
    spawn: () => ({
      name,
      // The same Node that runs the stack (24, with TypeScript type stripping).
      command: process.execPath,
      args: ['gateway/src/main.ts'],
      cwd: repoRoot,
      env: gatewayEnv(ports[port]),
    }),
    ready: () => httpOk(`http://${HOST}:${ports[port]}/readyz`),
    startTimeoutMs: 30_000,
    stopGraceMs: 15_000,
  };
}

export const gateways: StackService[] = gatewayPorts.map((port, i) => gateway(i + 1, port));
