/**
 * @module cli/admin-off
 * What `/admin/` answers when the admin dashboard is off: 404, saying how to turn it on (and
 * nothing of the node).
 */
import type { HttpRoute } from '@relais/server';

export const ADMIN_OFF_MESSAGE =
  'The relais admin dashboard is off. Turn it on with an admin password or an admin JWT secret: ' +
  'RELAIS_ADMIN_PASSWORD / RELAIS_ADMIN_JWT_SECRET, or "admin": {"password": …} in the config file (docs/admin.md).\n';

/** The route of /admin/ (and everything under it) when the dashboard is off. */
export function adminOffRoute(): HttpRoute {
  return {
    path: '/admin/',
    request: (_req, res) => {
      res.writeHead(404, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(Buffer.byteLength(ADMIN_OFF_MESSAGE)),
        'cache-control': 'no-store',
      });
      res.end(ADMIN_OFF_MESSAGE);
      return true;
    },
  };
}
