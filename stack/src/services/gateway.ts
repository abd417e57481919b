import { devJwtSecret, gatewayOpsPorts, gatewayPorts, HOST, ports, repoRoot, serviceEnv } from '../layout.ts';
import { httpOk } from '../readiness.ts';
import type { StackService } from '../service.ts';

/**
 * The server API key of the local stack's backend services (tests, k6); SB_SERVICE_API_KEY
 * overrides it. In a cluster the keys come from a Secret (gateway.serverApi.existingSecret).
 */
export const devServiceApiKey =
  process.env.SB_SERVICE_API_KEY ?? 'switchboard-local-development-service-key-0123456789';

/** The environment of one local gateway (also used by tests that start gateways of their own). */
export function gatewayEnv(port: number, opsPort: number): Record<string, string> {
  return {
    ...serviceEnv(),
    PORT: String(port),
    OPS_PORT: String(opsPort),
    HOST,
    JWT_SECRET: devJwtSecret,
    DEV_TOKEN_ENDPOINT: 'true',
    // Development: joining an unknown room creates it (the chart's production default is off).
    ROOMS_AUTO_CREATE: 'true',
    SERVICE_API_KEYS: devServiceApiKey,
    KAFKA_CLIENT_ID: `switchboard-gateway-${port}`,
    SHUTDOWN_GRACE_MS: '10000',
    LOG_LEVEL: process.env.SB_GATEWAY_LOG_LEVEL ?? 'info',
  };
}

function gateway(index: number, port: (typeof gatewayPorts)[number]): StackService {
  const opsPort = gatewayOpsPorts[port];
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
      // Behind the local HAProxy, which appends the client's address (option forwardfor).
      env: { ...gatewayEnv(ports[port], ports[opsPort]), TRUSTED_PROXY_HOPS: '1' },
    }),
    ready: () => httpOk(`http://${HOST}:${ports[opsPort]}/readyz`),
    startTimeoutMs: 30_000,
    stopGraceMs: 15_000,
  };
}

export const gateways: StackService[] = gatewayPorts.map((port, i) => gateway(i + 1, port));
