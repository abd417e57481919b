import type { TokenSource } from './core/tokens.ts';

/**
 * Production sign-in: the embedding application owns authentication and hands the page a JWT
 * its identity provider issued (verified by the gateway against its JWKS). Three ways, first
 * match wins:
 *   1. `window.SWITCHBOARD_TOKEN = '<jwt>'` set by a script before the page's bundle;
 *   2. a URL fragment `#token=<jwt>` (removed from the address bar at once; fragments never
 *      reach servers or logs);
 *   3. postMessage from the parent window, when the page is in an iframe: the page posts
 *      `{ type: 'switchboard:ready' }` and `{ type: 'switchboard:token-request' }` (when the
 *      token was refused) to the parent, which answers `{ type: 'switchboard:token', token }`.
 *      Only origins listed in `window.SWITCHBOARD_EMBED_ORIGINS` or the
 *      `<meta name="switchboard-embed-origins" content="https://app.example.com ...">` tag are heard.
 */
declare global {
  interface Window {
    SWITCHBOARD_TOKEN?: string;
    SWITCHBOARD_EMBED_ORIGINS?: string[];
  }
}

const TOKEN_MESSAGE = 'switchboard:token';

export function tokenFromPage(): string | undefined {
  if (typeof window.SWITCHBOARD_TOKEN === 'string' && window.SWITCHBOARD_TOKEN)
    return window.SWITCHBOARD_TOKEN;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  if (token) {
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return token;
  }
  return undefined;
}

export function embedOrigins(): string[] {
  if (Array.isArray(window.SWITCHBOARD_EMBED_ORIGINS)) return window.SWITCHBOARD_EMBED_ORIGINS;
  const meta = document.querySelector<HTMLMetaElement>('meta[name="switchboard-embed-origins"]');
  return meta?.content.split(/\s+/).filter(Boolean) ?? [];
}

/** True when a parent window may hand us tokens. */
export function isEmbedded(): boolean {
  return window.parent !== window && embedOrigins().length > 0;
}

/** Resolves with the next token the parent posts. */
export function nextTokenFromParent(): Promise<string> {
  const origins = embedOrigins();
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.source !== window.parent || !origins.includes(event.origin)) return;
      const data = event.data as { type?: unknown; token?: unknown } | null;
      if (data?.type !== TOKEN_MESSAGE || typeof data.token !== 'string') return;
      window.removeEventListener('message', onMessage);
      resolve(data.token);
    };
    window.addEventListener('message', onMessage);
    for (const origin of origins) window.parent.postMessage({ type: 'switchboard:ready' }, origin);
  });
}

/** A token handed over by the embedding application; renewal asks the parent when there is one. */
export class EmbedTokenSource implements TokenSource {
  private token: string;
  refresh?: () => Promise<string>;

  constructor(token: string) {
    this.token = token;
    if (isEmbedded()) {
      this.refresh = async () => {
        const origins = embedOrigins();
        const next = nextTokenFromParent();
        for (const origin of origins)
          window.parent.postMessage({ type: 'switchboard:token-request' }, origin);
        this.token = await next;
        return this.token;
      };
    }
  }

  current(): string {
    return this.token;
  }
}
