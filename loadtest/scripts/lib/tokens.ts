/**
 * The JWTs of a run, minted before it starts (`make loadtest` does it; by hand:
 * `npm run tokens -w @switchboard/loadtest -- --count N --out tokens.json`) and read once, shared by all VUs.
 * A file is `{ "tokens": [{ "sub": "...", "token": "..." }] }`; connection i uses entry i.
 */
import { SharedArray } from 'k6/data';

export type TokenEntry = { sub: string; token: string };

/** Init context only (k6 `open`). */
export function loadTokens(file: string, needed: number): TokenEntry[] {
  if (!file) throw new Error('SB_TOKENS_FILE is required: a JSON file of tokens minted for this run');
  const tokens = new SharedArray('tokens', () => (JSON.parse(open(file)) as { tokens: TokenEntry[] }).tokens);
  if (tokens.length < needed) {
    throw new Error(`${file} holds ${tokens.length} tokens; this run needs ${needed} (one per connection)`);
  }
  return tokens as unknown as TokenEntry[];
}
