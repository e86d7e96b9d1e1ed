/**
 * @module auth/origin
 * The origin allow-list checked at the WebSocket upgrade, against cross-site WebSocket
 * hijacking: a page on another site cannot open a connection that carries the user's cookies.
 */

/**
 * Whether an upgrade with this `Origin` header may proceed. Browsers always send `Origin` on a
 * WebSocket upgrade; a request without one comes from a non-browser client, which cookies do
 * not follow, and is allowed. Matching is on the whole origin (scheme, host, port),
 * case-insensitive; `https://*.example.com` matches any subdomain but not example.com itself.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  const actual = origin.toLowerCase();
  for (const entry of allowed) {
    if (entry === '*') return true;
    const pattern = entry.toLowerCase();
    const star = pattern.indexOf('://*.');
    if (star === -1) {
      if (actual === pattern) return true;
      continue;
    }
    const scheme = pattern.slice(0, star + 3);
    const suffix = pattern.slice(star + 4); // ".example.com"
    if (actual.startsWith(scheme) && actual.endsWith(suffix) && actual.length > scheme.length + suffix.length) {
      const label = actual.slice(scheme.length, actual.length - suffix.length);
      if (!label.includes('/') && !label.includes(':') && !label.includes('@')) return true;
    }
  }
  return false;
}
