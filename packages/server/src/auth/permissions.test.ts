import { ERROR_CODES, ReplyError } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { Channels, resolveNamespaces, type NamespaceOptions } from '../channels.js';
import { isChannelOwner, type AccessAction } from './access.js';
import { resolveAuthOptions } from './options.js';
import { accessRules, checkAccess, type AccessNode, type AccessSubject } from './permissions.js';
import { SECRET, sign } from './tokens.e2e-helpers.js';
import { TokenVerifier } from './verifier.js';

const NAMESPACES: Record<string, NamespaceOptions> = {
  open: {},
  members: {
    subscribeAccess: 'authenticated',
    publishAccess: 'authenticated',
    presenceAccess: 'authenticated',
    historyAccess: 'authenticated',
  },
  user: { subscribeAccess: 'owner', publishAccess: 'owner', presenceAccess: 'owner', historyAccess: 'owner' },
  room: { publishAccess: 'subscribers', presenceAccess: 'subscribers', historyAccess: 'subscribers' },
  secret: { subscribeAccess: 'token', publishAccess: 'nobody', presenceAccess: 'nobody', historyAccess: 'nobody' },
  legacy: { clientSubscribe: false, clientPublish: false },
  public: { presenceAccess: 'everyone', historyAccess: 'everyone' },
};

const node: AccessNode = {
  channels: new Channels(resolveNamespaces(NAMESPACES, true)),
  auth: new TokenVerifier(resolveAuthOptions({ hmacSecret: SECRET })),
};

function subject(user: string, ...channels: string[]): AccessSubject {
  return { user, client: 'c-1', channels: new Set(channels) };
}

async function code(action: AccessAction, who: AccessSubject, channel: string, token?: string): Promise<number | 'ok'> {
  try {
    await checkAccess(node, who, channel, action, token);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(ReplyError);
    return (error as ReplyError).code;
  }
}

const DENIED = ERROR_CODES.PERMISSION_DENIED;

describe('checkAccess', () => {
  it('allows everything on a namespace without rules except presence and history of unsubscribed channels', async () => {
    const anon = subject('');
    expect(await code('subscribe', anon, 'open:a')).toBe('ok');
    expect(await code('publish', anon, 'open:a')).toBe('ok');
    expect(await code('presence', anon, 'open:a')).toBe(DENIED);
    expect(await code('history', anon, 'open:a')).toBe(DENIED);
    expect(await code('presence', subject('', 'open:a'), 'open:a')).toBe('ok');
    expect(await code('history', subject('', 'open:a'), 'open:a')).toBe('ok');
  });

  it('answers 102 for a namespace that is not configured', async () => {
    expect(await code('subscribe', subject('1'), 'nowhere:a')).toBe(ERROR_CODES.UNKNOWN_CHANNEL);
    expect(await code('presence', subject('1'), 'nowhere:a')).toBe(ERROR_CODES.UNKNOWN_CHANNEL);
  });

  describe.each(['subscribe', 'publish', 'presence', 'history'] as const)('%s', (action) => {
    it('authenticated: refuses anonymous connections, allows users', async () => {
      expect(await code(action, subject(''), 'members:a')).toBe(DENIED);
      expect(await code(action, subject('42'), 'members:a')).toBe('ok');
    });

    it('owner: allows only the users named after #', async () => {
      expect(await code(action, subject('42'), 'user:#42')).toBe('ok');
      expect(await code(action, subject('57'), 'user:#42,57')).toBe('ok');
      expect(await code(action, subject('4'), 'user:#42')).toBe(DENIED);
      expect(await code(action, subject(''), 'user:#42')).toBe(DENIED);
      expect(await code(action, subject('42'), 'user:42')).toBe(DENIED);
    });

    it('nobody: refuses every client, subscribed or not', async () => {
      // legacy: clientSubscribe/clientPublish false are subscribeAccess/publishAccess 'nobody'.
      const channel = action === 'subscribe' || action === 'publish' ? 'legacy:a' : 'secret:a';
      expect(await code(action, subject('42', channel), channel)).toBe(DENIED);
    });
  });

  describe.each(['publish', 'presence', 'history'] as const)('%s with subscribers access', (action) => {
    it('allows only connections subscribed to the channel', async () => {
      expect(await code(action, subject('42'), 'room:a')).toBe(DENIED);
      expect(await code(action, subject('42', 'room:b'), 'room:a')).toBe(DENIED);
      expect(await code(action, subject('42', 'room:a'), 'room:a')).toBe('ok');
    });
  });

  it('opens presence and history to everyone when configured', async () => {
    expect(await code('presence', subject(''), 'public:a')).toBe('ok');
    expect(await code('history', subject(''), 'public:a')).toBe('ok');
  });

  describe('subscribe with token access', () => {
    it('refuses a subscribe without token', async () => {
      await expect(checkAccess(node, subject('42'), 'secret:plans', 'subscribe')).rejects.toThrow('subscription token required');
    });

    it('grants a valid token with its expiry and claims', async () => {
      const token = await sign({ sub: '42', channel: 'secret:plans', scope: 'read' });
      const grant = await checkAccess(node, subject('42'), 'secret:plans', 'subscribe', token);
      expect(grant.claims?.scope).toBe('read');
      expect(grant.expiresAt).toBe((grant.claims?.exp as number) * 1000);
    });

    it('refuses a token for another channel, another user or with a bad signature with 103', async () => {
      const other = await sign({ sub: '42', channel: 'secret:other' });
      const stolen = await sign({ sub: '7', channel: 'secret:plans' });
      const forged = await sign({ sub: '42', channel: 'secret:plans' }, { key: new TextEncoder().encode(`${SECRET}-x`) });
      for (const token of [other, stolen, forged, 'garbage'])
        expect(await code('subscribe', subject('42'), 'secret:plans', token)).toBe(DENIED);
    });

    it('binds a token with a client claim to that connection only', async () => {
      const bound = await sign({ sub: '42', channel: 'secret:plans', client: 'c-1' });
      expect(await code('subscribe', subject('42'), 'secret:plans', bound)).toBe('ok');
      const elsewhere = await sign({ sub: '42', channel: 'secret:plans', client: 'c-2' });
      expect(await code('subscribe', subject('42'), 'secret:plans', elsewhere)).toBe(DENIED);
    });

    it('answers 109 for an expired subscription token', async () => {
      const expired = await sign({ sub: '42', channel: 'secret:plans' }, { expiresInS: -30 });
      expect(await code('subscribe', subject('42'), 'secret:plans', expired)).toBe(ERROR_CODES.TOKEN_EXPIRED);
    });

    it('refuses token access on a node without a verifier', async () => {
      const bare: AccessNode = { channels: node.channels, auth: undefined };
      await expect(checkAccess(bare, subject('42'), 'secret:plans', 'subscribe', 'x')).rejects.toMatchObject({ code: DENIED });
    });
  });
});

describe('isChannelOwner', () => {
  it.each([
    ['user:#42', '42', true],
    ['dm:#42,57', '57', true],
    ['dm:#42,57', '5', false],
    ['user:#42', '', false],
    ['user:42', '42', false],
    ['user:#', '', false],
    ['a#1:b#2', '2', true],
    ['a#1:b#2', '1', false],
  ])('%s owned by %j → %s', (channel, user, expected) => {
    expect(isChannelOwner(channel, user)).toBe(expected);
  });
});

describe('accessRules (the synchronous part of checkAccess)', () => {
  function syncCode(action: AccessAction, who: AccessSubject, channel: string): number | 'ok' | 'token' {
    try {
      const rules = accessRules(node, who, channel, action);
      return rules === 'token' ? 'token' : 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(ReplyError);
      return (error as ReplyError).code;
    }
  }

  it('answers without a promise, with the same verdicts as checkAccess', async () => {
    const cases: [AccessAction, AccessSubject, string][] = [
      ['publish', subject('alice'), 'open:x'],
      ['publish', subject(''), 'members:x'],
      ['publish', subject('alice'), 'members:x'],
      ['publish', subject('alice'), 'user:alice'],
      ['publish', subject('bob'), 'user:alice'],
      ['publish', subject('alice'), 'room:1'],
      ['publish', subject('alice', 'room:1'), 'room:1'],
      ['publish', subject('alice'), 'secret:x'],
      ['publish', subject('alice'), 'unknown:x'],
    ];
    for (const [action, who, channel] of cases) expect(syncCode(action, who, channel)).toBe(await code(action, who, channel));
  });

  it("returns the channel's rules when access is granted", () => {
    expect(accessRules(node, subject('alice'), 'open:x', 'publish')).toBe(node.channels.resolve('open:x'));
  });

  it("leaves a subscription token to checkAccess ('token')", () => {
    expect(syncCode('subscribe', subject('alice'), 'secret:x')).toBe('token');
    expect(accessRules({ ...node, auth: undefined }, subject('alice'), 'open:x', 'publish')).not.toBe('token');
    expect(() => accessRules({ ...node, auth: undefined }, subject('alice'), 'secret:x', 'subscribe')).toThrow(ReplyError);
  });
});
