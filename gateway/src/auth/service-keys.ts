import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API keys of backend services (SERVICE_API_KEYS, from a Kubernetes Secret): only their SHA-256
 * digests are kept, and a presented key is compared with every digest in constant time, so
 * neither the keys nor how much of one matched leak. A key is never logged.
 */
export type ServiceKeys = { readonly size: number; matches(presented: string): boolean };

export function createServiceKeys(keys: readonly string[]): ServiceKeys {
  const digests = keys.map(digest);
  return {
    size: digests.length,
    matches(presented) {
      const candidate = digest(presented);
      let found = false;
      for (const d of digests) found = timingSafeEqual(d, candidate) || found;
      return found;
    },
  };
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
