/**
 * @module metrics
 * The front-end's Prometheus families, `relais_supabase_*`: sockets, joins by outcome, Phoenix
 * messages by kind (received and sent), errors by reason, REST requests by endpoint and status. Added to the node's registry
 * (`relais.addMetric`) by `mountSupabase` and removed by `unmount`; rendered at `/metrics` with
 * the node's `metrics` option. Every label comes from a fixed set: an event name a client makes
 * up is counted as `other`.
 */
import { Counter, Gauge, type CounterChild, type Metric, type Relais, type RequestHandler } from '@relais/server';

/** How a `phx_join` ended (`relais_supabase_joins_total`). */
export type JoinOutcome = 'ok' | 'invalid' | 'refused' | 'closed' | 'too_many_channels';

/** Why the front-end refused something (`relais_supabase_errors_total`). */
export type SupabaseErrorReason =
  'malformed' | 'unknown_event' | 'unmatched_topic' | 'frame_too_large' | 'internal' | 'upgrade_vsn' | 'upgrade_origin' | 'upgrade_rate';

/** What the sockets and channels count; `SupabaseMetrics` implements it. */
export interface SupabaseCounts {
  /** A Phoenix message was decoded (its event). */
  received(event: string): void;
  /** A Phoenix message was written to a socket (its event). */
  sent(event: string): void;
  joined(outcome: JoinOutcome): void;
  error(reason: SupabaseErrorReason): void;
}

/** An HTTP status as a bounded label. */
function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
}

/** The REST endpoints (`relais_supabase_rest_requests_total`). */
export type RestEndpoint = 'broadcast' | 'postgrest';

/** Events counted under their own name; any other is `other`. */
export const RECEIVED_KINDS = ['heartbeat', 'phx_join', 'phx_leave', 'broadcast', 'presence', 'access_token'] as const;
export const SENT_KINDS = [
  'phx_reply',
  'broadcast',
  'presence_state',
  'presence_diff',
  'postgres_changes',
  'system',
  'phx_error',
  'phx_close',
] as const;

function children(counter: Counter, kinds: readonly string[]): (kind: string) => CounterChild {
  const known = new Map(kinds.map((kind) => [kind, counter.labels(kind)]));
  const other = counter.labels('other');
  return (kind) => known.get(kind) ?? other;
}

export class SupabaseMetrics implements SupabaseCounts {
  readonly #opened = new Counter('relais_supabase_sockets_opened_total', 'Supabase Realtime WebSockets accepted.');
  readonly #joins = new Counter('relais_supabase_joins_total', 'Supabase phx_join answered, by outcome.', ['outcome']);
  readonly #received = new Counter('relais_supabase_messages_received_total', 'Phoenix messages received from Supabase clients, by kind.', [
    'kind',
  ]);
  readonly #sent = new Counter('relais_supabase_messages_sent_total', 'Phoenix messages sent to Supabase clients, by kind.', ['kind']);
  readonly #errors = new Counter(
    'relais_supabase_errors_total',
    'Frames, messages and upgrades the Supabase front-end refused, by reason.',
    ['reason'],
  );
  readonly #rest = new Counter('relais_supabase_rest_requests_total', 'Requests answered by the REST endpoints, by endpoint and status.', [
    'endpoint',
    'status',
  ]);
  readonly #families: Metric[];
  readonly #receivedKind = children(this.#received, RECEIVED_KINDS);
  readonly #sentKind = children(this.#sent, SENT_KINDS);

  /** `sockets`: the Supabase sockets open now, read at render time. */
  constructor(sockets: () => number) {
    const open = new Gauge('relais_supabase_sockets', 'Supabase Realtime WebSockets open now.', [], () => [[[], sockets()]]);
    this.#families = [open, this.#opened, this.#joins, this.#received, this.#sent, this.#errors, this.#rest];
  }

  /** Adds the families to the node's registry; returns a disposer that removes them. */
  install(relais: Relais): () => void {
    const removers = this.#families.map((family) => relais.addMetric(family));
    return () => {
      for (const remove of removers) remove();
    };
  }

  socketOpened(): void {
    this.#opened.inc();
  }

  received(event: string): void {
    this.#receivedKind(event).inc();
  }

  sent(event: string): void {
    this.#sentKind(event).inc();
  }

  joined(outcome: JoinOutcome): void {
    this.#joins.labels(outcome).inc();
  }

  error(reason: SupabaseErrorReason): void {
    this.#errors.labels(reason).inc();
  }

  /** A request of `endpoint` was answered with `status` (CORS preflights included). */
  rest(endpoint: RestEndpoint, status: number): void {
    this.#rest.labels(endpoint, statusLabel(status)).inc();
  }

  /** `handler`, counting each answer it sends. */
  countRest(endpoint: RestEndpoint, handler: RequestHandler): RequestHandler {
    return (req, res) => {
      res.once('finish', () => this.rest(endpoint, res.statusCode));
      return handler(req, res);
    };
  }
}
