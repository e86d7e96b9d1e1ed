/**
 * The front-end's `relais_supabase_*` metrics, scraped from a real node's `/metrics` over HTTP,
 * after raw Phoenix clients (vsn 2.0.0 on real sockets) did an exact list of things, and after
 * supabase-js joined and left.
 */
import { parsePrometheusText, sampleValue, type PromFamily } from '@relais/server/testkit';
import { SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { sign, subscribed, useSupabaseNodes, type SupabaseNode } from './harness.js';

const start = useSupabaseNodes();

interface RawClient {
  ws: WebSocket;
  send(frame: unknown): void;
  /** The first frame matching, waiting for it. */
  frame(match: (frame: unknown[]) => boolean): Promise<unknown[]>;
  reply(ref: string): Promise<unknown[]>;
}

async function raw(base: string, query = 'vsn=2.0.0'): Promise<RawClient> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/realtime/v1/websocket?${query}`);
  const frames: unknown[][] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as unknown[]);
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const frame = async (match: (frame: unknown[]) => boolean): Promise<unknown[]> => {
    for (;;) {
      const found = frames.find(match);
      if (found) return found;
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  return {
    ws,
    send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    frame,
    reply: (ref) => frame((f) => f[1] === ref && f[3] === 'phx_reply'),
  };
}

async function scrape(node: SupabaseNode): Promise<Map<string, PromFamily>> {
  const response = await fetch(`${node.base}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

/** Every sample of the `relais_supabase_*` families, as `name{label="value"} n`, sorted. */
function supabaseSamples(families: Map<string, PromFamily>): string[] {
  const lines: string[] = [];
  for (const [name, family] of families) {
    if (!name.startsWith('relais_supabase_')) continue;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([key, value]) => `${key}="${value}"`);
      lines.push(`${sample.name}${labels.length ? `{${labels.join(',')}}` : ''} ${sample.value}`);
    }
  }
  return lines.sort();
}

describe('relais_supabase_* metrics', () => {
  it('count sockets, joins by outcome, messages by kind and errors by reason, exactly', async () => {
    const node = await start({ metrics: true }, { maxChannelsPerSocket: 1, maxFrameBytes: 1024 });
    const before = supabaseSamples(await scrape(node));
    expect(before).toContain('relais_supabase_sockets 0');
    expect(before.filter((line) => !line.endsWith(' 0'))).toEqual([]);
    const anon = await sign({ role: 'anon' });
    const forged = await new SignJWT({ role: 'anon' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));

    const ada = await raw(node.base);
    const bob = await raw(node.base);
    ada.send([null, '1', 'phoenix', 'heartbeat', {}]);
    await ada.reply('1');
    ada.send('not json');
    await ada.frame((f) => f[2] === 'phoenix' && f[1] === null);
    ada.send(['2', '2', 'realtime:bad', 'phx_join', { config: { broadcast: { self: 'yes' } } }]);
    ada.send(['3', '3', 'realtime:forged', 'phx_join', { config: {}, access_token: forged }]);
    await ada.reply('2');
    await ada.reply('3');
    ada.send(['4', '4', 'realtime:room', 'phx_join', { config: {}, access_token: anon }]);
    bob.send(['1', '1', 'realtime:room', 'phx_join', { config: {}, access_token: anon }]);
    expect((await ada.reply('4'))[4]).toMatchObject({ status: 'ok' });
    expect((await bob.reply('1'))[4]).toMatchObject({ status: 'ok' });
    // maxChannelsPerSocket is 1: a second topic is refused.
    ada.send(['5', '5', 'realtime:second', 'phx_join', { config: {}, access_token: anon }]);
    ada.send(['4', '6', 'realtime:room', 'dance', {}]);
    ada.send(['9', '7', 'realtime:nowhere', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    for (const ref of ['5', '6', '7']) expect((await ada.reply(ref))[4]).toMatchObject({ status: 'error' });
    ada.send(['4', '8', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'hi', payload: { n: 1 } }]);
    await bob.frame((f) => f[3] === 'broadcast');
    ada.send(['4', '9', 'realtime:room', 'phx_leave', {}]);
    await ada.frame((f) => f[3] === 'phx_close');
    await expect(raw(node.base, 'vsn=3.0.0')).rejects.toThrow('Unexpected server response: 400');
    const big = await raw(node.base);
    const closed = new Promise<number>((resolve) => big.ws.once('close', resolve));
    big.send([null, '1', 'phoenix', 'heartbeat', { pad: 'x'.repeat(2048) }]);
    expect(await closed).toBe(1009);
    await vi.waitFor(() => expect(node.mounted.stats().sockets).toBe(2));

    expect(supabaseSamples(await scrape(node))).toEqual([
      'relais_supabase_errors_total{reason="frame_too_large"} 1',
      'relais_supabase_errors_total{reason="malformed"} 1',
      'relais_supabase_errors_total{reason="unknown_event"} 1',
      'relais_supabase_errors_total{reason="unmatched_topic"} 1',
      'relais_supabase_errors_total{reason="upgrade_vsn"} 1',
      'relais_supabase_joins_total{outcome="invalid"} 1',
      'relais_supabase_joins_total{outcome="ok"} 2',
      'relais_supabase_joins_total{outcome="refused"} 1',
      'relais_supabase_joins_total{outcome="too_many_channels"} 1',
      // heartbeat, phx_join ×5, other (dance), broadcast ×2, phx_leave
      'relais_supabase_messages_received_total{kind="access_token"} 0',
      'relais_supabase_messages_received_total{kind="broadcast"} 2',
      'relais_supabase_messages_received_total{kind="heartbeat"} 1',
      'relais_supabase_messages_received_total{kind="other"} 1',
      'relais_supabase_messages_received_total{kind="phx_join"} 5',
      'relais_supabase_messages_received_total{kind="phx_leave"} 1',
      'relais_supabase_messages_received_total{kind="presence"} 0',
      // replies: heartbeat, malformed, 5 joins, dance, nowhere, leave; bob's broadcast; ada's phx_close
      'relais_supabase_messages_sent_total{kind="broadcast"} 1',
      'relais_supabase_messages_sent_total{kind="other"} 0',
      'relais_supabase_messages_sent_total{kind="phx_close"} 1',
      'relais_supabase_messages_sent_total{kind="phx_error"} 0',
      'relais_supabase_messages_sent_total{kind="phx_reply"} 10',
      'relais_supabase_messages_sent_total{kind="postgres_changes"} 0',
      'relais_supabase_messages_sent_total{kind="presence_diff"} 0',
      'relais_supabase_messages_sent_total{kind="presence_state"} 0',
      'relais_supabase_messages_sent_total{kind="system"} 0',
      'relais_supabase_sockets 2',
      'relais_supabase_sockets_opened_total 3',
    ]);
    expect(node.mounted.stats().rejected).toEqual({ malformed: 1, unknown_event: 1, unmatched_topic: 1 });
    ada.ws.close();
    bob.ws.close();
    await vi.waitFor(() => expect(node.mounted.stats().sockets).toBe(0));
    expect(sampleValue(await scrape(node), 'relais_supabase_sockets')).toBe(0);
  });

  it('count what supabase-js does: a join with presence, a track, a leave', async () => {
    const node = await start({ metrics: true });
    const channel = node.client().channel('room', { config: { presence: { key: 'ada' } } });
    const synced = new Promise<void>((resolve) => channel.on('presence', { event: 'sync' }, () => resolve()));
    await subscribed(channel);
    await synced;
    expect(await channel.track({ mood: '🚀' })).toBe('ok');
    expect(await channel.unsubscribe()).toBe('ok');
    const families = await scrape(node);
    expect(sampleValue(families, 'relais_supabase_sockets_opened_total')).toBe(1);
    expect(sampleValue(families, 'relais_supabase_joins_total', { outcome: 'ok' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_messages_received_total', { kind: 'phx_join' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_messages_received_total', { kind: 'presence' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_messages_received_total', { kind: 'phx_leave' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_messages_sent_total', { kind: 'presence_state' })).toBe(1);
    // The track's join, seen by the tracking channel itself.
    expect(sampleValue(families, 'relais_supabase_messages_sent_total', { kind: 'presence_diff' })).toBe(1);
    expect(sampleValue(families, 'relais_supabase_errors_total', { reason: 'malformed' })).toBe(0);
  });

  it('count the REST requests by endpoint and status', async () => {
    // A PostgREST subset over no table: every table is unknown (404 PGRST205), no database needed.
    const restTables = { table: () => undefined, transaction: () => Promise.reject(new Error('no database')) };
    const node = await start({ metrics: true }, { restTables });
    const anon = await sign({ role: 'anon' });
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${node.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const messages = JSON.stringify({ messages: [{ topic: 'room', event: 'e', payload: {} }] });
    expect((await post('/realtime/v1/api/broadcast', messages, { apikey: anon })).status).toBe(202);
    expect((await post('/realtime/v1/api/broadcast', messages, { apikey: anon })).status).toBe(202);
    expect((await post('/realtime/v1/api/broadcast', 'not json', { apikey: anon })).status).toBe(400);
    expect((await post('/realtime/v1/api/broadcast', messages)).status).toBe(401);
    expect((await fetch(`${node.base}/rest/v1/humeur?select=*`, { headers: { apikey: anon } })).status).toBe(404);
    // Counted when each answer finished, which may be just after the client has it.
    await vi.waitFor(async () =>
      expect(supabaseSamples(await scrape(node)).filter((line) => line.startsWith('relais_supabase_rest_'))).toEqual([
        'relais_supabase_rest_requests_total{endpoint="broadcast",status="202"} 2',
        'relais_supabase_rest_requests_total{endpoint="broadcast",status="400"} 1',
        'relais_supabase_rest_requests_total{endpoint="broadcast",status="401"} 1',
        'relais_supabase_rest_requests_total{endpoint="postgrest",status="404"} 1',
      ]),
    );
  });
});
