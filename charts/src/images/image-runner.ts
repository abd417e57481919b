import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, logFile } from '../../../stack/src/index.ts';

/**
 * Runs an image built by scripts/build-images.sh without a container engine or kubelet:
 * `buildah run` with chroot isolation on the host network, with the image's own ENTRYPOINT, CMD,
 * WORKDIR, USER and ENV (buildah applies the last three), so the process is the one a pod runs.
 */
const store = path.join(cacheDir, 'containers');
const buildah = [
  '--root',
  path.join(store, 'storage'),
  '--runroot',
  path.join(store, 'run'),
  '--storage-driver',
  'vfs',
];

export function imageBuilt(image: string): boolean {
  try {
    execFileSync('buildah', [...buildah, 'inspect', '--type', 'image', image], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type ImageConfig = { Entrypoint?: string[]; Cmd?: string[]; User?: string; WorkingDir?: string };

export function imageConfig(image: string): ImageConfig {
  const out = execFileSync('buildah', [...buildah, 'inspect', '--type', 'image', image], {
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
}

export type Running = { process: ChildProcess; exited: Promise<number | null>; stop: () => Promise<void> };

/** Starts the image's command (or `args` in place of CMD) with `env`; logs to the stack's log folder. */
export function runImage(image: string, env: Record<string, string>, name: string, args?: string[]): Running {
  const container = execFileSync('buildah', [...buildah, 'from', '--pull=never', image], {
    encoding: 'utf8',
  }).trim();
  const config = imageConfig(image);
  const command = [...(config.Entrypoint ?? []), ...(args ?? config.Cmd ?? [])];
  const log = fs.openSync(logFile(name), 'a');
  const child = spawn(
    'buildah',
    [
      ...buildah,
      'run',
      '--isolation=chroot',
      '--network=host',
      ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      container,
      '--',
      ...command,
    ],
    { stdio: ['ignore', log, log], detached: true },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    exited,
    stop: async () => {
      // Its own process group: buildah and the image's process, by the pid it was started with.
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
      execFileSync('buildah', [...buildah, 'rm', container], { stdio: 'ignore' });
    },
  };
}
