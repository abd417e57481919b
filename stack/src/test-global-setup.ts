import { up } from './stack.ts';

/** Integration tests run against the real stack: bring it up (a no-op when it already runs). */
export async function globalSetup(): Promise<void> {
  await up({ log: (line) => console.log(`[stack] ${line}`) });
}
