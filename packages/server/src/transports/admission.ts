/**
 * @module transports/admission
 * Whether a new connection's HTTP request may become a connection at all, before anything is
 * allocated for it: the Origin allow-list (against cross-site WebSocket hijacking), then the
 * per-IP connection rate. Shared by every transport that opens connections over HTTP.
 */
import type { IncomingMessage } from 'node:http';
import { originAllowed } from '../auth/origin.js';

/** Why a request is refused before the connection opens: an HTTP error. */
export interface UpgradeRefusal {
  status: number;
  statusText: string;
  body: string;
  /** Counted in stats().refusedUpgrades under this name. */
  reason: 'origin' | 'rate';
}

export interface AdmissionRules {
  /** Origins allowed to connect (see auth/origin); undefined: any. */
  readonly allowedOrigins: readonly string[] | undefined;
  /** Takes one connection from the address's per-IP budget; false when it is spent. */
  admitConnection(address: string | undefined): boolean;
}

/** Checks the Origin header, then the per-IP rate; undefined means admitted. */
export function admit(rules: AdmissionRules, req: IncomingMessage, address: string | undefined): UpgradeRefusal | undefined {
  const origin = req.headers.origin;
  if (rules.allowedOrigins && !originAllowed(origin, rules.allowedOrigins)) {
    return { status: 403, statusText: 'Forbidden', body: `origin ${JSON.stringify(origin)} is not allowed to connect`, reason: 'origin' };
  }
  if (!rules.admitConnection(address)) {
    return { status: 429, statusText: 'Too Many Requests', body: 'too many connection attempts from this address', reason: 'rate' };
  }
  return undefined;
}
