import { describe, expect, it } from 'vitest';
import { callApi } from '../testkit/api-client.js';
import { useTestNodes } from '../testkit/test-node.js';
import { statusOf } from './errors.js';
import { createApiMethods } from './methods.js';
import { ERROR_RESPONSES, OPENAPI_DOCUMENT } from './openapi.js';
import { METHOD_DOCS } from './openapi-methods.js';

const KEY = 'openapi-key';
const start = useTestNodes();
/** Namespaces every example's channel fits in. */
const namespaces = { chat: { historySize: 10, historyTtlMs: 60_000, presence: true }, '': {} };

const handlerMethods = [...createApiMethods({ node: {} as never, rules: () => undefined, maxDataDepth: 32, timeoutMs: 1 }).keys()];

describe('the OpenAPI document', () => {
  it('has a POST path for every method of the handler, and no other', () => {
    expect(Object.keys(OPENAPI_DOCUMENT.paths).sort()).toEqual(handlerMethods.map((name) => `/api/${name}`).sort());
    for (const path of Object.values(OPENAPI_DOCUMENT.paths)) expect(Object.keys(path)).toEqual(['post']);
  });

  it('is served as is at /api/openapi.json', async () => {
    const { base } = await start({ apiKeys: [KEY] });
    expect(await (await fetch(`${base}/api/openapi.json`)).json()).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
  });

  it.each(Object.entries(METHOD_DOCS))('documents exactly the fields %s takes', async (name, doc) => {
    const { base } = await start({ apiKeys: [KEY], namespaces });
    const { status, body } = await callApi(base, name, { ...doc.example.params, notAField: 1 }, { key: KEY });
    expect(status).toBe(400);
    const known = /\(known: (.*)\)$/.exec(body.error?.message ?? '')?.[1];
    expect(known === 'none' ? [] : known?.split(', ')).toEqual(Object.keys(doc.params.properties));
    for (const field of doc.params.required ?? []) expect(Object.keys(doc.params.properties)).toContain(field);
  });

  it.each(Object.entries(METHOD_DOCS))(
    'has an example of %s that the real handler accepts, answering the documented fields',
    async (name, doc) => {
      const { base } = await start({ apiKeys: [KEY], namespaces });
      const { status, body } = await callApi(base, name, doc.example.params, { key: KEY });
      expect({ status, error: body.error }).toEqual({ status: 200, error: undefined });
      const schema = doc.result as { properties: Record<string, unknown>; required?: string[] };
      const documented = Object.keys(schema.properties);
      for (const answered of [body.result, doc.example.result] as Record<string, unknown>[]) {
        for (const field of Object.keys(answered)) expect(documented).toContain(field);
        for (const field of schema.required ?? []) expect(answered).toHaveProperty(field);
      }
    },
  );

  it('gives each error status an example whose code answers with that status', () => {
    for (const [status, response] of Object.entries(ERROR_RESPONSES)) {
      const { code } = response.content['application/json'].example.error;
      if (status === '405') expect(code).toBe(107);
      else expect(String(statusOf(code))).toBe(status);
    }
  });
});
