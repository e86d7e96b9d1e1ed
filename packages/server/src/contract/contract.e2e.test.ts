/**
 * Typed channels over real sockets: a contract declared with zod (a Standard Schema library)
 * makes the node refuse a publish or an RPC whose data does not match with 107 and the schema's
 * message, and pass on the schema's output when it does; namespaces and methods the contract
 * does not name are untouched. An RPC's result is checked with its output schema: a mismatch is
 * never sent.
 */
import { defineContract } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OptionsError } from '../option-checks.js';
import { resolveOptions } from '../options.js';
import { silentLogger } from '../logger.js';
import { parsePrometheusText, sampleValue } from '../testkit/prometheus-text.js';
import { useTestNodes } from '../testkit/test-node.js';

const start = useTestNodes();

const contract = defineContract({
  channels: {
    chat: { events: { message: z.object({ text: z.string().min(1).max(10) }), typing: z.object({}) } },
    feed: { publication: z.object({ price: z.number().default(0) }) },
  },
  rpc: { add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() } },
});

describe('the contract option', () => {
  it('refuses a publish whose data does not match with 107 and the validation message', async () => {
    const e2e = await start({ contract });
    const client = await e2e.connect();
    const bad = await client.command('publish', { channel: 'chat:a', event: 'message', data: { text: '' } });
    expect(bad).toMatchObject({ error: { code: 107 } });
    expect('error' in bad && bad.error.message).toMatch(/^publication data does not match its schema: text: .+/);
    expect(await client.command('publish', { channel: 'chat:a', event: 'shout', data: {} })).toMatchObject({
      error: { code: 107, message: 'event "shout" is not one of "message", "typing"' },
    });
    expect(await client.command('publish', { channel: 'chat:a', data: { text: 'hi' } })).toMatchObject({
      error: { code: 107, message: 'publish needs an event here: one of "message", "typing"' },
    });
  });

  it('publishes the schema output of matching data, and leaves other namespaces alone', async () => {
    const e2e = await start({ contract });
    const client = await e2e.connect();
    await client.call('subscribe', { channel: 'chat:a' });
    await client.call('subscribe', { channel: 'feed:a' });
    await client.call('publish', { channel: 'chat:a', event: 'message', data: { text: 'hi', extra: 'stripped' } });
    expect(await client.nextPush((push) => push.type === 'publication')).toMatchObject({ channel: 'chat:a', data: { text: 'hi' } });
    await client.call('publish', { channel: 'feed:a', data: {} });
    expect(await client.nextPush((push) => push.type === 'publication')).toMatchObject({ channel: 'feed:a', data: { price: 0 } });
    await client.call('publish', { channel: 'other:a', data: 'anything' });
  });

  it('refuses an RPC whose data does not match before its handler runs', async () => {
    const e2e = await start({ contract });
    let calls = 0;
    e2e.relais.rpc('add', ({ data }) => {
      calls++;
      const { a, b } = data as { a: number; b: number };
      return a + b;
    });
    const client = await e2e.connect();
    const bad = await client.command('rpc', { method: 'add', data: { a: 1, b: 'two' } });
    expect(bad).toMatchObject({ error: { code: 107 } });
    expect('error' in bad && bad.error.message).toMatch(/^rpc "add" data does not match its schema: b: /);
    expect(calls).toBe(0);
    expect(await client.call('rpc', { method: 'add', data: { a: 1, b: 2 } })).toEqual({ data: 3 });
  });

  it("checks an RPC's result with its output schema: a mismatch is logged, counted and answered 100, not sent", async () => {
    const logged: unknown[] = [];
    const logger = { ...silentLogger, error: (fields: object, message?: string) => logged.push({ ...fields, message }) };
    const outputs = defineContract({ rpc: { total: { output: z.object({ sum: z.number(), unit: z.string().default('eur') }) } } });
    const e2e = await start({ contract: outputs, logger, metrics: true });
    let answer: unknown = { sum: 3, secret: 'stripped' };
    e2e.relais.rpc('total', async () => answer);
    const client = await e2e.connect();
    expect(await client.call('rpc', { method: 'total' })).toEqual({ data: { sum: 3, unit: 'eur' } });
    answer = { sum: 'three', secret: 'never sent' };
    const bad = await client.command('rpc', { method: 'total' });
    expect(bad).toEqual({
      id: expect.any(Number),
      error: { code: 100, message: 'rpc "total" returned a result that does not match its output schema', temporary: false },
    });
    expect(logged).toEqual([
      expect.objectContaining({ method: 'total', message: expect.stringMatching(/does not match its contract output schema/) }),
    ]);
    const metrics = parsePrometheusText(await (await fetch(`${e2e.base}/metrics`)).text());
    expect(sampleValue(metrics, 'relais_rpc_output_rejected_total')).toBe(1);
  });

  it.each([
    [{ channels: { chat: { publication: { parse: () => 1 } } } }, 'option contract.channels["chat"].publication must be a Standard Schema'],
    [{ channels: { chat: {} } }, 'option contract.channels["chat"] declares no schema: give publication or events'],
    [{ rpc: { add: { input: 5 } } }, 'option contract.rpc["add"].input must be a Standard Schema'],
    [{ rpc: { add: { output: 'number' } } }, 'option contract.rpc["add"].output must be a Standard Schema'],
    [{ channels: { nope: { publication: z.string() } } }, 'option contract.channels["nope"]: namespace "nope" is not in option namespaces'],
    [{ topics: {} }, 'option contract: unknown option "topics"'],
  ])('rejects the contract %# precisely', (bad, message) => {
    const options = { namespaces: { chat: {} }, contract: bad as never };
    expect(() => resolveOptions(options)).toThrow(OptionsError);
    expect(() => resolveOptions(options)).toThrow(message);
  });
});
