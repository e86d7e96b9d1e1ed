import { createRelais } from '@relais/server';
import { parsePrometheusText, sampleValue } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SupabaseMetrics } from './metrics.js';
import { mountSupabase } from './mount.js';

const nodes: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close();
});

function node() {
  const relais = createRelais({ metrics: true });
  nodes.push(relais);
  return relais;
}

/** The node's metrics as /metrics renders them. */
async function scrape(relais: ReturnType<typeof createRelais>): Promise<ReturnType<typeof parsePrometheusText>> {
  let body = '';
  const res = {
    writeHead: () => res,
    setHeader: () => res,
    end: (text?: string) => void (body = text ?? ''),
  };
  await relais.metricsHandler()({ method: 'GET', url: '/metrics', headers: {} } as never, res as never);
  return parsePrometheusText(body);
}

describe('SupabaseMetrics', () => {
  it('counts into bounded labels: an event of no known kind is other', async () => {
    const relais = node();
    let sockets = 2;
    const metrics = new SupabaseMetrics(() => sockets);
    metrics.install(relais);
    metrics.socketOpened();
    metrics.received('heartbeat');
    metrics.received('heartbeat');
    metrics.received('made-up-event');
    metrics.sent('phx_reply');
    metrics.sent('anything');
    metrics.joined('ok');
    metrics.joined('refused');
    metrics.error('malformed');
    sockets = 1;
    const families = await scrape(relais);
    expect(sampleValue(families, 'relais_supabase_sockets')).toBe(1);
    expect(sampleValue(families, 'relais_supabase_sockets_opened_total')).toBe(1);
    expect(sampleValue(families, 'relais_supabase_messages_received_total', { kind: 'heartbeat' })).toBe(2);
    expect(sampleValue(families, 'relais_supabase_messages_received_total', { kind: 'other' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_messages_sent_total', { kind: 'phx_reply' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_messages_sent_total', { kind: 'other' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_joins_total', { outcome: 'ok' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_joins_total', { outcome: 'refused' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_errors_total', { reason: 'malformed' })).toBe(1);
    const kinds = families.get('relais_supabase_messages_received_total')!.samples.map((s) => s.labels.kind);
    expect(kinds).not.toContain('made-up-event');
  });

  it('leaves nothing registered when a second front-end is mounted on the node', async () => {
    const relais = node();
    const first = mountSupabase(relais);
    expect(() => mountSupabase(relais)).toThrow('metric relais_supabase_sockets is already registered');
    first.unmount();
    mountSupabase(relais).unmount();
  });

  it('removes its families on dispose, so that the front-end can be mounted again', async () => {
    const relais = node();
    const remove = new SupabaseMetrics(() => 0).install(relais);
    expect(() => new SupabaseMetrics(() => 0).install(relais)).toThrow('metric relais_supabase_sockets is already registered');
    remove();
    expect([...(await scrape(relais)).keys()].filter((name) => name.startsWith('relais_supabase_'))).toEqual([]);
    new SupabaseMetrics(() => 0).install(relais);
    expect((await scrape(relais)).has('relais_supabase_joins_total')).toBe(true);
  });
});
