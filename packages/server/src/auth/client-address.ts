/**
 * @module auth/client-address
 * The address a connection comes from. Behind reverse proxies the socket's peer is the proxy;
 * with `trustedProxies`, a peer on that list is taken to have appended the address it saw to
 * `X-Forwarded-For`, and the client is the right-most address not on the list. Addresses left
 * of it were written by the client itself and are never believed.
 */
import { isIP } from 'node:net';
import { OptionsError } from '../option-checks.js';

/** `::ffff:10.0.0.1` (an IPv4 peer of a dual-stack socket) as `10.0.0.1`. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Checks `trustedProxies` and returns the set of their normalized addresses. */
export function resolveTrustedProxies(value: unknown): ReadonlySet<string> {
  if (!Array.isArray(value) || value.length === 0)
    throw new OptionsError('option trustedProxies must be a non-empty array of IP addresses');
  for (const item of value) {
    if (typeof item !== 'string' || isIP(item) === 0) {
      throw new OptionsError(`option trustedProxies: ${JSON.stringify(item)} is not an IP address like "10.0.0.5" or "::1"`);
    }
  }
  return new Set(value.map((item: string) => normalize(item)));
}

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the
 * right-most `X-Forwarded-For` entry that is not a trusted proxy. A missing header, or an entry
 * that is not an IP address, leaves the last trusted hop's own address.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: ReadonlySet<string> | undefined,
): string | undefined {
  if (peer === undefined) return undefined;
  let address = normalize(peer);
  if (!trusted?.has(address) || forwardedFor === undefined) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (isIP(hop) === 0) return address;
    address = normalize(hop);
    if (!trusted.has(address)) return address;
  }
  return address;
}
