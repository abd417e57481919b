import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HOST, ports, repoRoot } from '@switchboard/stack';

export const webDist = path.join(repoRoot, 'web', 'dist');
export const baseUrl = `http://${HOST}:${ports.loadBalancer}`;

/**
 * Builds web/dist when it is missing or older than its sources (tests run directly rather than
 * through `make`), and makes sure the load balancer serves the page.
 */
export async function ensureWebServed(log: (line: string) => void = () => {}): Promise<void> {
  if (builtAt() < newestSource()) {
    log('building web/dist');
    const result = spawnSync('npm', ['run', 'build', '-w', '@switchboard/web'], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`building the web client failed (exit ${result.status})`);
  }
  if (!(await servesPage())) throw new Error(`${baseUrl}/ does not serve the web client`);
}

async function servesPage(): Promise<boolean> {
  const response = await fetch(`${baseUrl}/`);
  const text = await response.text();
  return response.ok && text.includes('id="app"');
}

function builtAt(): number {
  const index = path.join(webDist, 'index.html');
  return fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
}

function newestSource(): number {
  const roots = ['web/src', 'web/index.html', 'web/vite.config.ts', 'protocol/src'].map((p) =>
    path.join(repoRoot, p),
  );
  let newest = 0;
  const visit = (file: string) => {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  roots.filter((root) => fs.existsSync(root)).forEach(visit);
  return newest;
}
