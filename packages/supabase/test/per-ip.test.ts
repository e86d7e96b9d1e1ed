import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { useSupabaseNodes } from './harness.js';

const start = useSupabaseNodes();

/** Opens a raw Realtime socket; resolves with its HTTP status when refused, or 101 once open. */
function upgrade(base: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/realtime/v1/websocket?vsn=2.0.0`);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', (error) => (error.message.includes('Unexpected server response') ? undefined : reject(error)));
  });
}

describe('the node per-IP connection rate', () => {
  it('applies to Supabase Realtime upgrades (429), counted as the node counts its own refusals', async () => {
    const node = await start({ limits: { perIp: { connections: { perSecond: 0.001, burst: 2 } } } });
    expect(await upgrade(node.base)).toBe(101);
    expect(await upgrade(node.base)).toBe(101);
    expect(await upgrade(node.base)).toBe(429);
    expect(node.relais.stats().refusedUpgrades).toEqual({ rate: 1 });
  });
});
