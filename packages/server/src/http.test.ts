import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpFallback } from './http.js';
import type { Logger } from './logger.js';
import { createRelais, type Relais } from './node.js';

describe('the node HTTP handler', () => {
  let relais: Relais | undefined;
  afterEach(async () => {
    await relais?.close();
  });

  const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };

  async function base(fallback?: HttpFallback): Promise<string> {
    relais = createRelais({ logger });
    const { port } = await relais.listen({ port: 0, fallback });
    return `http://127.0.0.1:${port}`;
  }

  it('answers /health itself and passes other requests to the fallback', async () => {
    const url = await base((req, res) => {
      if (req.url !== '/hello') return false;
      res.end('hi');
      return true;
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await (await fetch(`${url}/hello`)).text()).toBe('hi');
    const missing = await fetch(`${url}/other`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });

  it('answers 500 when the fallback fails, and 404 without a fallback', async () => {
    const url = await base(async () => {
      throw new Error('disk on fire');
    });
    const failed = await fetch(`${url}/x`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'internal server error' });
    expect(logger.error).toHaveBeenCalledWith({ err: new Error('disk on fire') }, 'http fallback failed');
    await relais!.close();
    expect((await fetch(`${await base()}/x`)).status).toBe(404);
  });
});
