import { describe, expect, it } from 'vitest';
import { USAGE, UsageError, parseArgs } from './args.js';

describe('parseArgs', () => {
  it('shows help with no arguments, --help, -h or help', () => {
    expect(parseArgs([])).toEqual({ command: 'help' });
    expect(parseArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseArgs(['serve', '-h'])).toEqual({ command: 'help' });
    expect(parseArgs(['help'])).toEqual({ command: 'help' });
  });

  it('prints the version with --version or -v', () => {
    expect(parseArgs(['--version'])).toEqual({ command: 'version' });
    expect(parseArgs(['-v'])).toEqual({ command: 'version' });
  });

  it('reads serve flags in both spaced and = forms', () => {
    expect(parseArgs(['serve', '--port', '9000', '--host=127.0.0.1', '-c', 'r.json', '--log-level', 'debug'])).toEqual({
      command: 'serve',
      port: 9000,
      host: '127.0.0.1',
      config: 'r.json',
      logLevel: 'debug',
    });
    expect(parseArgs(['serve', '-p', '0', '-H', '::1'])).toEqual({ command: 'serve', port: 0, host: '::1' });
  });

  it('reads --engine and every --redis-url in order', () => {
    expect(parseArgs(['serve', '--engine', 'redis', '--redis-url', 'redis://a:1', '--redis-url=redis://b:2'])).toEqual({
      command: 'serve',
      engine: 'redis',
      redisUrls: ['redis://a:1', 'redis://b:2'],
    });
  });

  it('documents the engine flags in --help', () => {
    expect(USAGE).toContain('--engine <type>');
    expect(USAGE).toContain('--redis-url <url>');
    expect(USAGE).toContain('RELAIS_REDIS_URL');
  });

  it('hands everything after tokens to its own parser, --help included', () => {
    expect(parseArgs(['tokens', 'connect', '--sub', '42', '--help'])).toEqual({
      command: 'tokens',
      rest: ['connect', '--sub', '42', '--help'],
    });
  });

  it('rejects an unknown command', () => {
    expect(() => parseArgs(['srve'])).toThrow(new UsageError('unknown command "srve" (try: relais serve, relais tokens, relais --help)'));
  });

  it('rejects an unknown option', () => {
    expect(() => parseArgs(['serve', '--prot', '1'])).toThrow('unknown option "--prot" for serve');
  });

  it('rejects an option without a value', () => {
    expect(() => parseArgs(['serve', '--port'])).toThrow('option --port needs a value');
  });

  it('rejects a port that is not an integer from 0 to 65535', () => {
    expect(() => parseArgs(['serve', '--port', '70000'])).toThrow('--port: port must be an integer from 0 to 65535, got "70000"');
    expect(() => parseArgs(['serve', '--port', '80a'])).toThrow(UsageError);
    expect(() => parseArgs(['serve', '--port', '-1'])).toThrow(UsageError);
  });

  it('rejects an unknown log level', () => {
    expect(() => parseArgs(['serve', '--log-level', 'loud'])).toThrow(
      '--log-level: log level must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
    );
  });

  it('takes an apps folder, or turns the apps and the demo off', () => {
    expect(parseArgs(['serve', '--apps', 'build/apps'])).toEqual({ command: 'serve', apps: 'build/apps' });
    expect(parseArgs(['serve', '--no-apps', '--no-demo'])).toEqual({ command: 'serve', apps: false, demo: false });
    expect(() => parseArgs(['serve', '--apps'])).toThrow('option --apps needs a value');
  });
});
