import { httpOk } from '@switchboard/stack';

/**
 * Asks `opsUrl`/readyz (a gateway's ops port) over and over until `stop()`, which resolves with every answer (true for
 * 200): a test asserts that none was a refusal while something happened.
 */
export function sampleReadiness(opsUrl: string): { stop: () => Promise<boolean[]> } {
  const samples: boolean[] = [];
  let running = true;
  const loop = (async () => {
    while (running) samples.push(await httpOk(`${opsUrl}/readyz`, 5000));
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}
