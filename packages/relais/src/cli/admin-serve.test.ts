import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveAdminConfig } from './admin-config.js';
import { USAGE } from './args.js';
import { main, type CliIo, type Served } from './main.js';

const PASSWORD = 'correct horse battery staple';

function io(env: Record<string, string> = {}): CliIo & { errors: string[] } {
  const errors: string[] = [];
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return { env, out: () => {}, err: (text) => errors.push(text), tty: false, logStream: sink, errors };
}

describe('relais serve and the admin dashboard', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function appsDir(apps: string[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'relais-admin-apps-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    for (const app of apps) {
      await mkdir(join(dir, app, 'dist'), { recursive: true });
      await writeFile(join(dir, app, 'dist', 'index.html'), `<title>${app}</title>`);
    }
    return dir;
  }

  async function serve(argv: string[], env: Record<string, string> = {}): Promise<string> {
    const served = (await main(['serve', '--port', '0', '--host', '127.0.0.1', ...argv], io(env))) as Served | number;
    if (typeof served === 'number') throw new Error(`exit ${served}`);
    cleanup.push(() => served.stop());
    return `http://127.0.0.1:${served.port}`;
  }

  it('answers /admin/ with 404 saying how to turn it on when it is off', async () => {
    const base = await serve(['--apps', await appsDir(['chat', 'admin'])]);
    for (const path of ['/admin/', '/admin/index.html', '/admin/api/login']) {
      const response = await fetch(`${base}${path}`, { method: path.endsWith('login') ? 'POST' : 'GET' });
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('The relais admin dashboard is off');
    }
  });

  it('serves the page and the login with RELAIS_ADMIN_PASSWORD, with a config file that has no demo apps', async () => {
    const dir = await appsDir([]);
    const config = join(dir, 'relais.json');
    await writeFile(config, JSON.stringify({ logLevel: 'warn' }));
    // A config file turns the demo apps off; the dashboard's page comes from the repository's apps (built by the global setup).
    const base = await serve(['--config', config], { RELAIS_ADMIN_PASSWORD: PASSWORD });
    const page = await fetch(`${base}/admin/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>relais admin</title>');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await fetch(`${base}/`)).status).toBe(404);
    const login = (password: string) =>
      fetch(`${base}/admin/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      });
    expect((await login('not the password')).status).toBe(401);
    expect((await login(PASSWORD)).status).toBe(200);
    expect((await fetch(`${base}/admin/api/nodes`)).status).toBe(401);
  });

  it('refuses to start with bad admin options, naming them', async () => {
    const cli = io({ RELAIS_ADMIN_PASSWORD: 'short' });
    expect(await main(['serve', '--port', '0', '--no-demo'], cli)).toBe(2);
    expect(cli.errors.join('')).toContain('admin.password must be a string of at least 12 characters');
  });

  it('refuses to start when the dashboard is on but its page is not built', async () => {
    const cli = io({ RELAIS_ADMIN_PASSWORD: PASSWORD });
    expect(await main(['serve', '--port', '0', '--host', '127.0.0.1', '--apps', await appsDir(['chat'])], cli)).toBe(2);
    expect(cli.errors.join('')).toContain('the admin dashboard is on but not built');
  });
});

describe('relais --help', () => {
  it('says how to turn the dashboard on', () => {
    expect(USAGE).toContain('Admin dashboard at /admin/');
    expect(USAGE).toContain('RELAIS_ADMIN_PASSWORD');
  });
});

describe('resolveAdminConfig', () => {
  it('reads the file’s admin, the environment over it, and false or nothing as off', () => {
    expect(resolveAdminConfig(undefined, 'f.json', {})).toBeUndefined();
    expect(resolveAdminConfig(false, 'f.json', { RELAIS_ADMIN_PASSWORD: PASSWORD })).toBeUndefined();
    expect(resolveAdminConfig({ password: PASSWORD, sessionTtlMs: 60_000 }, 'f.json', {})).toMatchObject({
      password: PASSWORD,
      sessionTtlMs: 60_000,
    });
    expect(resolveAdminConfig({ sessionTtlMs: 60_000 }, 'f.json', { RELAIS_ADMIN_JWT_SECRET: 's'.repeat(32) })).toMatchObject({
      jwtSecret: 's'.repeat(32),
      sessionTtlMs: 60_000,
    });
    expect(() => resolveAdminConfig('yes', 'f.json', {})).toThrow('f.json: admin must be an object');
    expect(() => resolveAdminConfig({}, 'f.json', {})).toThrow('f.json: admin.password or admin.jwtSecret is needed');
  });
});
