import { describe, expect, it } from 'vitest';
import { withDemoNamespaces } from './namespaces.js';
import { resolveDemoOptions } from './options.js';

describe('withDemoNamespaces', () => {
  const demo = resolveDemoOptions({ historySize: 50, historyTtlMs: 60_000 });
  const chatRules = { historySize: 50, historyTtlMs: 60_000, presence: true, joinLeave: true };

  it('without namespaces: chat with history and presence, demo server-only, every other namespace open', () => {
    expect(withDemoNamespaces(undefined, demo)).toEqual({ '*': {}, chat: chatRules, demo: { clientPublish: false } });
  });

  it('adds chat and demo to configured namespaces, which keep getting 102 for unlisted ones', () => {
    expect(withDemoNamespaces({ news: { clientPublish: false } }, demo)).toEqual({
      news: { clientPublish: false },
      chat: chatRules,
      demo: { clientPublish: false },
    });
  });

  it('lets a configured chat entry override key by key, and decide the history on its own', () => {
    expect(withDemoNamespaces({ chat: { publishAccess: 'subscribers', joinLeave: false } }, demo).chat).toEqual({
      ...chatRules,
      publishAccess: 'subscribers',
      joinLeave: false,
    });
    expect(withDemoNamespaces({ chat: { historySize: 0 } }, demo).chat).toEqual({ historySize: 0, presence: true, joinLeave: true });
    expect(withDemoNamespaces({ demo: {} }, demo).demo).toEqual({});
  });

  it('keeps no history with demo.historySize 0', () => {
    expect(withDemoNamespaces(undefined, resolveDemoOptions({ historySize: 0 })).chat).toEqual({ presence: true, joinLeave: true });
  });
});
