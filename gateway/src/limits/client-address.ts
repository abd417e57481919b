import net from 'node:net';

/**
 * The address a limit counts a client by. Without trusted proxies it is the TCP peer. Behind
 * `trustedHops` proxies that each append the address they saw to X-Forwarded-For (HAProxy's
 * `option forwardfor`, an ingress), it is the entry that many hops from the right: the
 * address the outermost trusted proxy saw. Entries further left were written by the client
 * and prove nothing.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trustedHops: number,
): string {
  if (trustedHops <= 0 || forwardedFor === undefined) return normalise(peer);
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  if (hops.length === 0) return normalise(peer);
  // Fewer entries than trusted proxies: the leftmost is still one a trusted proxy wrote.
  return normalise(hops[Math.max(0, hops.length - trustedHops)] as string);
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4) counts as the IPv4 address it is. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

export function isLoopback(address: string): boolean {
  if (address === '::1') return true;
  return net.isIPv4(address) && address.startsWith('127.');
}
