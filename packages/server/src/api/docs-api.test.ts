import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_RESPONSES } from './openapi.js';
import { renderMethodReference } from './openapi-markdown.js';
import { METHOD_DOCS } from './openapi-methods.js';

const PAGE = new URL('../../../../docs/api.md', import.meta.url);
const BEGIN =
  '<!-- methods: rendered from packages/server/src/api/openapi-methods.ts; UPDATE_API_DOCS=1 npx vitest run packages/server/src/api/docs-api.test.ts -->';
const END = '<!-- end of methods -->';

describe('docs/api.md', () => {
  it('holds the method reference rendered from the OpenAPI method docs', async () => {
    const page = await readFile(PAGE, 'utf8');
    const start = page.indexOf(BEGIN);
    const end = page.indexOf(END);
    expect(start, 'the page marks where the methods go').toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const rendered = `${BEGIN}\n\n${renderMethodReference(METHOD_DOCS)}\n\n`;
    if (process.env.UPDATE_API_DOCS === '1') await writeFile(PAGE, page.slice(0, start) + rendered + page.slice(end));
    else expect(page.slice(start, end)).toBe(rendered);
  });

  it('lists every error status the document gives', async () => {
    const page = await readFile(PAGE, 'utf8');
    for (const status of Object.keys(ERROR_RESPONSES)) expect(page).toMatch(new RegExp(`^\\| ${status} \\|`, 'm'));
  });
});
