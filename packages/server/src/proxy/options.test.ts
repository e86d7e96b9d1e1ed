import { describe, expect, it } from 'vitest';
import { createRelais } from '../node.js';
import { DEFAULT_FORWARD_HEADERS, methodPattern, resolveProxyOptions } from './options.js';

const SECRET = 'proxy-secret-that-is-at-least-32-bytes!';

describe('the proxy option', () => {
  it('resolves endpoints with the default timeout, per-namespace hooks over the defaults, and rpc routes', () => {
    const proxy = resolveProxyOptions({
      connect: 'http://backend/connect',
      subscribe: { url: 'https://backend/sub', timeoutMs: 200 },
      publish: 'http://backend/pub',
      namespaces: { chat: { publish: 'http://chat/pub' }, news: { subscribe: false } },
      rpc: [{ method: 'billing.*', url: 'http://billing/rpc', timeoutMs: 900 }],
      secret: SECRET,
    });
    expect(proxy.connect).toEqual({ url: new URL('http://backend/connect'), timeoutMs: 5_000 });
    expect(proxy.channels.subscribe).toEqual({ url: new URL('https://backend/sub'), timeoutMs: 200 });
    expect(proxy.namespaces.get('chat')).toEqual({
      subscribe: proxy.channels.subscribe,
      publish: { url: new URL('http://chat/pub'), timeoutMs: 5_000 },
    });
    expect(proxy.namespaces.get('news')).toEqual({ publish: proxy.channels.publish });
    expect(proxy.rpc).toMatchObject([{ method: 'billing.*', url: new URL('http://billing/rpc'), timeoutMs: 900 }]);
    expect(proxy).toMatchObject({ maxConcurrency: 100, maxResponseBytes: 1_048_576, forwardHeaders: DEFAULT_FORWARD_HEADERS });
  });

  it('matches rpc method patterns with * as the only wildcard', () => {
    const pattern = methodPattern('billing.*');
    expect(['billing.charge', 'billing.', 'billing.a.b'].map((m) => pattern.test(m))).toEqual([true, true, true]);
    expect(['billingXcharge', 'xbilling.charge'].map((m) => pattern.test(m))).toEqual([false, false]);
    expect(methodPattern('a+b').test('a+b')).toBe(true);
    expect(resolveProxyOptions({ rpc: 'http://x/rpc' }).rpc[0]!.pattern.test('anything')).toBe(true);
  });

  it.each([
    [{}, 'option proxy names no hook'],
    ['http://x', 'option proxy must be an object'],
    [{ connect: 'ftp://x' }, 'option proxy.connect must be an http:// or https:// URL, got "ftp://x"'],
    [{ connect: 'not a url' }, 'option proxy.connect must be an http:// or https:// URL'],
    [{ connect: { url: 'http://x', retries: 3 } }, 'retries'],
    [{ connect: { url: 'http://x', timeoutMs: 0 } }, 'option proxy.connect.timeoutMs must be a positive integer of ms'],
    [{ subRefresh: 'ftp://x' }, 'option proxy.subRefresh must be an http:// or https:// URL'],
    [{ namespaces: { chat: { rpc: 'http://x' } } }, 'rpc'],
    [{ namespaces: { chat: 'http://x' } }, 'option proxy.namespaces.chat must be an object'],
    [{ rpc: [{ url: 'http://x' }] }, 'option proxy.rpc[0].method must be a method name or pattern'],
    [{ rpc: [{ method: 'a', url: 'x' }] }, 'option proxy.rpc[0].url must be an http:// or https:// URL'],
    [{ rpc: 'http://x', secret: 'short' }, 'option proxy.secret must be a string of at least 32 bytes'],
    [{ rpc: 'http://x', maxConcurrency: 0 }, 'option proxy.maxConcurrency must be a positive integer'],
    [{ rpc: 'http://x', forwardHeaders: ['cookie', 'bad header'] }, 'option proxy.forwardHeaders must be an array of header names'],
  ])('refuses %j with a message naming the field', (proxy, message) => {
    expect(() => resolveProxyOptions(proxy)).toThrow(message);
    expect(() => createRelais({ proxy: proxy as never })).toThrow(message);
  });
});
