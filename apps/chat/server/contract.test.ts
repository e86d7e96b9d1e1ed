/**
 * The chat's wire contract (shared/protocol.ts `chatContract`, zod) on a node configured as
 * `relais serve` configures it: what does not have the contract's shape is refused with 107 and
 * the schema's message before the chat's hook runs; what does goes on to be checked and stamped.
 */
import type { Push } from '@relais/protocol';
import { ERROR_CODES } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import { CREATE_ROOM_RPC, TYPING_EVENT, chatContract } from '../shared/protocol.js';
import { installChat } from './chat.js';
import { withDemoNamespaces } from './namespaces.js';
import { resolveDemoOptions } from './options.js';

const start = useTestNodes();

async function chat() {
  const resolved = resolveDemoOptions({});
  const node = await start({ namespaces: withDemoNamespaces(undefined, resolved), contract: chatContract });
  installChat(node.relais, resolved);
  return (name: string) => node.connect(undefined, { data: { name } });
}

describe('the chat contract', () => {
  it.each([
    ['an unknown field', { text: 'hi', html: '<b>' }, /^publication data does not match its schema: .*html/],
    ['no text', { nonce: 'n-1' }, /^publication data does not match its schema: text: /],
    ['a bad nonce', { text: 'hi', nonce: '../x' }, /^publication data does not match its schema: nonce: /],
  ])('refuses a message with %s (107, the schema says why)', async (_, data, message) => {
    const ada = await (await chat())('Ada');
    const reply = await ada.command('publish', { channel: 'chat:lobby', data });
    expect(reply).toMatchObject({ error: { code: ERROR_CODES.BAD_REQUEST } });
    expect('error' in reply && reply.error.message).toMatch(message);
  });

  it('refuses a typing event that carries data, and an RPC without its name', async () => {
    const ada = await (await chat())('Ada');
    const typing = { channel: 'chat:lobby', event: TYPING_EVENT, ephemeral: true, data: { author: 'Mallory' } };
    expect(await ada.command('publish', typing)).toMatchObject({ error: { code: ERROR_CODES.BAD_REQUEST } });
    expect(await ada.command('rpc', { method: CREATE_ROOM_RPC, data: {} })).toMatchObject({
      error: {
        code: ERROR_CODES.BAD_REQUEST,
        message: expect.stringMatching(/^rpc "chat.createRoom" data does not match its schema: name: /),
      },
    });
  });

  it('lets a well-formed message through to the chat, which stamps it', async () => {
    const as = await chat();
    const [ada, bob] = await Promise.all([as('Ada'), as('Bob')]);
    await bob.call('subscribe', { channel: 'chat:lobby' });
    await ada.call('publish', { channel: 'chat:lobby', data: { text: ' hi ', nonce: 'n-1' } });
    const push = await bob.nextPush((p: Push) => p.type === 'publication');
    expect(push).toMatchObject({ data: { text: 'hi', author: 'Ada', nonce: 'n-1', id: expect.any(String) } });
  });
});
