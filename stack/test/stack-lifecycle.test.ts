import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { freePort, isAlive, repoRoot } from '../src/index.ts';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'stack', 'src', 'cli.ts');

/** Runs the stack CLI as a user would, against a throw-away stack folder. */
function stackCli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

test('a taken port is refused with its number and the setting that moves it', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as net.AddressInfo;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-stack-'));
  try {
    const result = await stackCli(['up', 'redis'], { SB_STACK_DIR: dir, SB_REDIS_PORT: String(port) });
    assert.equal(result.code, 1);
    assert.match(result.out, new RegExp(`port ${port} \\(redis\\) is in use`));
    assert.match(result.out, /SB_REDIS_PORT/);
  } finally {
    blocker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('up twice is harmless and down leaves no process behind', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-stack-'));
  const env = { SB_STACK_DIR: dir, SB_REDIS_PORT: String(await freePort()) };
  try {
    assert.equal((await stackCli(['up', 'redis'], env)).code, 0);
    const pid = Number(fs.readFileSync(path.join(dir, 'run', 'redis.pid'), 'utf8'));
    assert.equal((await stackCli(['up', 'redis'], env)).code, 0);
    assert.equal(Number(fs.readFileSync(path.join(dir, 'run', 'redis.pid'), 'utf8')), pid, 'not restarted');
    assert.equal((await stackCli(['down'], env)).code, 0);
    assert.equal(isAlive(pid), false);
    assert.equal(fs.existsSync(path.join(dir, 'run', 'redis.pid')), false);
  } finally {
    await stackCli(['down'], env);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
