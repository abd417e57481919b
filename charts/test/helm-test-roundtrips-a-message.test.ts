import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { devJwtSecret, HOST, ports, up } from '../../stack/src/index.ts';
import { chartDir } from '../src/go-tools.ts';
import { only, render } from '../src/helm.ts';

const script = path.join(chartDir, 'files', 'helm-test', 'roundtrip.mjs');

function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * The `helm test` pod's script, run here against the local stack through its sticky load
 * balancer (the role the gateway Service plays in the cluster): it must pass only after a real
 * round trip, and fail loudly otherwise.
 */
describe('helm test round-trips one message through the gateway and into the history', () => {
  before(() => up({ log: (line) => console.log(`[stack] ${line}`) }));

  test('the chart runs this script in the gateway image against the gateway Service', () => {
    const pod = only(render(), 'Pod', '-test');
    const c = pod.spec.containers[0];
    assert.equal(c.args[0], `/helm-test/${path.basename(script)}`);
    assert.equal(c.image, only(render(), 'Deployment', '-gateway').spec.template.spec.containers[0].image);
    const url = new URL(c.env.find((e: { name: string }) => e.name === 'GATEWAY_URL').value);
    const service = only(render(), 'Service', '-gateway');
    assert.equal(url.hostname, service.metadata.name);
    assert.equal(Number(url.port || 80), service.spec.ports[0].port);
  });

  test('passes through the load balancer with the HS256 secret', async () => {
    const { code, output } = await run({
      GATEWAY_URL: `http://${HOST}:${ports.loadBalancer}`,
      JWT_SECRET: devJwtSecret,
      TIMEOUT_SECONDS: '90',
    });
    assert.equal(code, 0, output);
    assert.match(output, /PASS: \S+ round-tripped/);
  });

  test('fails when the gateway refuses the token', async () => {
    const { code, output } = await run({
      GATEWAY_URL: `http://${HOST}:${ports.gateway1}`,
      JWT_SECRET: 'not-the-secret-of-this-gateway-0123456789',
      TIMEOUT_SECONDS: '30',
    });
    assert.equal(code, 1);
    assert.match(output, /FAIL: connection refused/);
  });
});
