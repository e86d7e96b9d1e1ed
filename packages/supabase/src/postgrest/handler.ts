/**
 * @module postgrest/handler
 * `<restPath>/<table>`: the PostgREST subset seed 004 needs, for the change feed's tables. The
 * `apikey` header (or `Authorization: Bearer`) is the token of a relais connection opened for the
 * request (the node's verifier and connect hooks decide); the table's subscribe rule and row rule
 * (bound to the connection's claims) apply to reads and inserts, hidden columns are unknown.
 * Everything not served is refused with a PostgREST-shaped error (see docs/supabase.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, readBody, type Logger, type Relais } from '@relais/server';
import type { ResolvedSupabaseOptions } from '../options.js';
import { LISTENER_INFO } from '../presence-map.js';
import { LinkError, RelaisLink } from '../relais-link.js';
import { requestInfo } from '../request-info.js';
import { fromDatabase, PostgrestError } from './errors.js';
import { parseInsert, parseRead } from './query.js';
import { insertStatement, selectStatement } from './sql.js';
import type { RestCondition, RestTable, RestTables } from './tables.js';
import { handleCors } from '../cors.js';

function tokenOf(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) return authorization.slice(7).trim() || undefined;
  const apikey = req.headers.apikey;
  return typeof apikey === 'string' && apikey !== '' ? apikey : undefined;
}

function send(res: ServerResponse, status: number, body?: string, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers })
    .end(body);
}

/** `Prefer: return=representation, missing=default` → its parts; an unserved preference is refused. */
function preferences(req: IncomingMessage): { representation: boolean; missingDefault: boolean } {
  const header = req.headers.prefer;
  const parts = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const out = { representation: false, missingDefault: false };
  for (const part of parts) {
    if (part === 'return=representation') out.representation = true;
    else if (part === 'return=minimal' || part === 'missing=null') continue;
    else if (part === 'missing=default') out.missingDefault = true;
    else
      throw new PostgrestError(
        400,
        'PGRST100',
        `Prefer: ${part} is not supported`,
        'served: return=representation|minimal, missing=default|null',
      );
  }
  return out;
}

const BODY_METHODS = new Set(['POST']);

async function withClient<T>(
  relais: Relais,
  req: IncomingMessage,
  table: RestTable,
  work: (conditions: RestCondition[]) => Promise<T>,
): Promise<T> {
  const link = new RelaisLink(relais, requestInfo(relais, req), { onPush: () => undefined, onClose: () => undefined }, () => 0);
  try {
    try {
      await link.open({ token: tokenOf(req), data: LISTENER_INFO });
    } catch (error) {
      throw new PostgrestError(401, 'PGRST301', error instanceof LinkError ? error.message : 'unauthorized');
    }
    const client = link.details()!;
    const access = table.authorize(client);
    if ('refused' in access) throw new PostgrestError(client.user === '' ? 401 : 403, '42501', access.refused);
    return await work(access.conditions);
  } finally {
    link.end();
  }
}

/** The request handler of `<restPath>/` and everything under it. */
export function postgrestHandler(relais: Relais, options: ResolvedSupabaseOptions, tables: RestTables, logger: Logger) {
  const prefix = `${options.restPath}/`;
  const insertable = new Set(options.restInsert.map((name) => (name.includes('.') ? name : `public.${name}`)));
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://relais');
    if (!url.pathname.startsWith(prefix)) return false;
    if (handleCors(req, res, relais.options.allowedOrigins, 'GET, POST')) return true;
    try {
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice(prefix.length));
      } catch {
        throw new PostgrestError(400, 'PGRST100', 'the table name must be URL-encoded');
      }
      const profile = req.headers[req.method === 'GET' ? 'accept-profile' : 'content-profile'];
      const schema = typeof profile === 'string' && profile !== '' ? profile : 'public';
      const table = name.includes('/') || name === 'rpc' ? undefined : tables.table(schema, name);
      if (!table) throw new PostgrestError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`);
      if (/vnd\.pgrst\.(object|plan)/.test(req.headers.accept ?? ''))
        throw new PostgrestError(
          406,
          'PGRST107',
          'None of these media types are available: ' + req.headers.accept,
          'served: application/json',
        );
      const prefer = preferences(req);
      if (req.method === 'GET') {
        const query = parseRead(table, url.searchParams);
        const body = await withClient(relais, req, table, async (conditions) => {
          const statement = selectStatement(table, query, conditions);
          return tables.transaction(async (db) => String((await db.query(statement.text, statement.values)).rows[0]!.body));
        });
        send(res, 200, body);
        return true;
      }
      if (!BODY_METHODS.has(req.method ?? '')) {
        res.setHeader('allow', 'GET, POST');
        throw new PostgrestError(405, 'PGRST117', `Unsupported HTTP method: ${req.method ?? ''}`, 'served: GET (select) and POST (insert)');
      }
      const raw = await readBody(req, options.maxBodyBytes);
      const query = parseInsert(table, url.searchParams, raw, prefer.missingDefault);
      const key = `${table.schema}.${table.table}`;
      const body = await withClient(relais, req, table, async (conditions) => {
        if (!insertable.has(key))
          throw new PostgrestError(
            403,
            '42501',
            `permission denied for table ${table.table}`,
            `inserts into ${key} are not enabled (supabase.restInsert)`,
          );
        const statement = insertStatement(table, query, conditions);
        return tables.transaction(async (db) => {
          const row = (await db.query(statement.text, statement.values)).rows[0]!;
          if (Number(row.refused) > 0)
            throw new PostgrestError(403, '42501', `new row violates row-level security policy for table "${table.table}"`);
          return String(row.body);
        });
      });
      if (prefer.representation) send(res, 201, body, { 'preference-applied': 'return=representation' });
      else send(res, 201);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        send(res, 413, JSON.stringify(new PostgrestError(413, 'PGRST102', `the body is larger than ${options.maxBodyBytes} bytes`).body()));
      else if (error instanceof PostgrestError) send(res, error.status, JSON.stringify(error.body()));
      else {
        const known = fromDatabase(error);
        if (known) send(res, known.status, JSON.stringify(known.body()));
        else {
          logger.error({ err: error }, 'supabase: REST request failed');
          send(res, 503, JSON.stringify(new PostgrestError(503, 'PGRST000', 'the database is not available now').body()));
        }
      }
    }
    return true;
  };
}
