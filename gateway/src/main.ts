import { runService } from '@switchboard/service-kit';
import { loadGatewayConfig } from './config.ts';
import { startGateway } from './gateway.ts';

/** The gateway process: Socket.IO, the rooms and history API, until SIGTERM. */
await runService({ name: 'gateway', loadConfig: loadGatewayConfig, start: startGateway });
