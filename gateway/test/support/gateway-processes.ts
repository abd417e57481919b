import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dirs, freePort, gatewayEnv, HOST, httpOk, repoRoot } from '@switchboard/stack';

/** A gateway process started by a test (not the stack's), so the test may stop or kill it. */
export type GatewayProcess = {
  port: number;
  url: string;
  /** Base URL of its ops port: /livez /readyz /metrics. */
  opsUrl: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  log: string;
};

export async function startGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const opsPort = await freePort();
  fs.mkdirSync(dirs.logs, { recursive: true });
  const log = path.join(dirs.logs, `test-gateway-${port}.log`);
  const out = fs.openSync(log, 'w');
  const child = spawn(process.execPath, ['gateway/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...gatewayEnv(port, opsPort), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://${HOST}:${port}`;
  const opsUrl = `http://${HOST}:${opsPort}`;
  const deadline = Date.now() + 30_000;
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  while (!(await httpOk(`${opsUrl}/readyz`, 1000))) {
    if (exitCode !== undefined) throw new Error(`gateway exited with ${exitCode}; see ${log}`);
    if (Date.now() > deadline) throw new Error(`gateway on ${port} did not start; see ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url, opsUrl, child, exited, log };
}

export async function startGateways(
  count: number,
  env: Record<string, string> = {},
): Promise<GatewayProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startGateway(env)));
}

/** SIGTERM (the graceful path); resolves with the exit code. */
export async function stopGateway(gateway: GatewayProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill(signal);
  return gateway.exited;
}
