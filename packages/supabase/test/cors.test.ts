import { describe, expect, it } from 'vitest';
import { sign, useSupabaseNodes } from './harness.js';

const start = useSupabaseNodes();

describe('CORS of the REST endpoints', () => {
  it('answers the preflight supabase-js causes from an allowed origin, and none for another', async () => {
    const node = await start({ allowedOrigins: ['https://app.example.com'] });
    const url = `${node.base}/realtime/v1/api/broadcast`;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'apikey, authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('apikey');
    const foreign = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const answer = await fetch(url, {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json', apikey: await sign({ role: 'anon' }) },
      body: JSON.stringify({ messages: [{ topic: 'room1', event: 'news', payload: {} }] }),
    });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
