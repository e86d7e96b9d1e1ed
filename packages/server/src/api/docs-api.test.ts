import { execFile, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useTestNodes } from '../testkit/test-node.js';
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

const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasCurl = spawnSync('curl', ['--version']).status === 0;

describe('the Python example of docs/api.md', () => {
  const start = useTestNodes();

  it.skipIf(!hasPython)('publishes to a subscriber, reads presence and history, and disconnects the user', async () => {
    const page = await readFile(PAGE, 'utf8');
    const code = /```python\n([\s\S]*?)```/.exec(page)?.[1];
    expect(code, 'docs/api.md has a python block').toBeDefined();
    const { base, relais, connect } = await start({
      apiKeys: ['py-key'],
      namespaces: { chat: { historySize: 100, historyTtlMs: 3_600_000, presence: true } },
    });
    relais.onConnecting(() => ({ user: '42' }));
    const browser = await connect();
    await browser.call('subscribe', { channel: 'chat:lobby' });
    const { stdout } = await run('python3', ['-c', code as string], { ...process.env, RELAIS_API_KEY: 'py-key', RELAIS_API_URL: base });
    expect(await browser.nextPush((push) => push.type === 'publication')).toMatchObject({ channel: 'chat:lobby', data: { text: 'hello' } });
    expect(await browser.closed).toMatchObject({ code: 4501, reason: 'banned' });
    expect(stdout).toContain(browser.id);
    expect(stdout).toContain("'text': 'hello'");
  });
});

describe('the curl commands of docs/api.md', () => {
  const start = useTestNodes();

  it.skipIf(!hasCurl)('each answers a result from a real node, run as written', async () => {
    const page = await readFile(PAGE, 'utf8');
    const commands = [...page.matchAll(/```sh\n(curl [\s\S]*?)```/g)].map((match) => (match[1] as string).replace(/\n#.*$/gm, ''));
    expect(commands.length).toBeGreaterThan(Object.keys(METHOD_DOCS).length);
    const { base } = await start({
      apiKeys: ['curl-key'],
      namespaces: { chat: { historySize: 100, historyTtlMs: 3_600_000, presence: true }, '': {} },
    });
    for (const command of commands) {
      const { stdout } = await run('sh', ['-c', command.replaceAll('http://localhost:8080', base)], {
        ...process.env,
        RELAIS_API_KEY: 'curl-key',
      });
      expect({ command, answer: JSON.parse(stdout) as unknown }).toEqual({ command, answer: { result: expect.anything() } });
    }
  });
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout });
    });
  });
}
