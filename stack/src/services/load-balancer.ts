import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dirs, gatewayOpsPorts, gatewayPorts, HOST, ports } from '../layout.ts';
import { httpOk } from '../readiness.ts';
import type { StackService } from '../service.ts';

const configFile = () => path.join(dirs.run, 'haproxy.cfg');

/** The cookie that pins a client to its gateway (the same role as the ingress' session cookie). */
export const STICKY_COOKIE = 'SBGW';

/** HAProxy needs two descriptors per connection and refuses to start beyond the hard limit. */
function maxConnections(): number {
  const hard = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  const limit = hard === 'unlimited' ? 1_048_576 : Number(hard);
  return Math.max(256, Math.min(20_000, Math.floor((limit - 200) / 2)));
}

function writeConfig() {
  const servers = gatewayPorts.map(
    // Traffic to the public port, health checks to the ops port (the public one has no /readyz).
    (port, i) =>
      `  server gateway-${i + 1} ${HOST}:${ports[port]} check port ${ports[gatewayOpsPorts[port]]} cookie g${i + 1}`,
  );
  const lines = [
    'global',
    `  maxconn ${maxConnections()}`,
    '',
    'defaults',
    '  mode http',
    '  option http-server-close',
    '  option redispatch',
    // The client's address for the gateways' per-address handshake limit (TRUSTED_PROXY_HOPS=1).
    '  option forwardfor',
    '  retries 3',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  timeout tunnel 1h',
    '',
    'frontend switchboard',
    `  bind ${HOST}:${ports.loadBalancer}`,
    '  default_backend gateways',
    '',
    // The balancer's own readiness, off the public port: ready while a gateway is in rotation.
    'frontend ops',
    `  bind ${HOST}:${ports.loadBalancerOps}`,
    '  monitor-uri /readyz',
    '  monitor fail if { nbsrv(gateways) lt 1 }',
    '',
    'backend gateways',
    '  balance roundrobin',
    `  cookie ${STICKY_COOKIE} insert indirect nocache httponly`,
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  default-server inter 1s fall 2 rise 2',
    ...servers,
    '',
  ];
  fs.mkdirSync(dirs.run, { recursive: true });
  fs.writeFileSync(configFile(), lines.join('\n'));
}

/**
 * HAProxy in front of the gateways, as the ingress is in the cluster: cookie persistence so a
 * long-polling client's requests all reach the pod that holds its session, health checks on
 * each gateway's /readyz (its ops port) so a draining or broken gateway stops getting new
 * clients, and timeouts above
 * Socket.IO's ping interval + timeout (25 s + 20 s) so idle WebSockets and held polls survive.
 */
export const loadBalancer: StackService = {
  name: 'load-balancer',
  description: 'HAProxy: sticky (cookie) load balancer in front of the gateways',
  port: 'loadBalancer',
  dependsOn: gatewayPorts.map((_, i) => `gateway-${i + 1}`),
  provision: async () => writeConfig(),
  spawn: () => ({ name: 'load-balancer', command: 'haproxy', args: ['-db', '-f', configFile()] }),
  ready: () => httpOk(`http://${HOST}:${ports.loadBalancerOps}/readyz`),
  startTimeoutMs: 15_000,
  stopGraceMs: 5_000,
};
