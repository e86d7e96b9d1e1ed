import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { BENCH_USAGE, parseBenchArgs, parseBenchDuration } from './bench-args.js';

const URL = 'ws://127.0.0.1:8080/connection/websocket';

describe('parseBenchArgs', () => {
  it('applies the documented defaults', () => {
    expect(parseBenchArgs([URL])).toEqual({
      command: 'bench',
      url: URL,
      connections: 100,
      subscribersPerChannel: 10,
      channels: 10,
      ratePerSecond: 100,
      durationMs: 10_000,
      encoding: 'json',
      transport: 'websocket',
      token: undefined,
      payloadBytes: 100,
      publishers: 1,
      workers: 1,
      channelPrefix: 'bench:',
      drainMs: 5_000,
      json: false,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const args = parseBenchArgs([
      URL,
      '--connections=25',
      '--subscribers',
      '10',
      '--rate',
      '1200',
      '--duration=2m',
      '--encoding',
      'msgpack',
      '--token',
      'a.b.c',
      '--payload-bytes',
      '0',
      '--workers',
      '2',
      '--channel-prefix',
      'load:',
      '--drain',
      '500ms',
      '--json',
    ]);
    expect(args).toMatchObject({
      connections: 25,
      subscribersPerChannel: 10,
      channels: 3,
      ratePerSecond: 1200,
      durationMs: 120_000,
      encoding: 'msgpack',
      token: 'a.b.c',
      payloadBytes: 0,
      publishers: 3,
      workers: 2,
      channelPrefix: 'load:',
      drainMs: 500,
      json: true,
    });
  });

  it('takes the token from RELAIS_TOKEN unless --token is given', () => {
    expect(parseBenchArgs([URL], { RELAIS_TOKEN: 'env.jwt' })).toMatchObject({ token: 'env.jwt' });
    expect(parseBenchArgs([URL, '--token', 'flag.jwt'], { RELAIS_TOKEN: 'env.jwt' })).toMatchObject({ token: 'flag.jwt' });
  });

  it('gives a bare ws origin the default path and caps subscribers at the connections', () => {
    expect(parseBenchArgs(['ws://example.com:9000', '--connections', '4'])).toMatchObject({
      url: 'ws://example.com:9000/connection/websocket',
      subscribersPerChannel: 4,
      channels: 1,
    });
  });

  it('answers --help with the usage', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ command: 'help', usage: BENCH_USAGE });
  });

  it.each([
    [[], /bench needs one URL/],
    [[URL, URL], /bench needs one URL/],
    [['http://127.0.0.1:8080'], /must be ws:\/\/ or wss:\/\//],
    [['not a url'], /the node's WebSocket URL/],
    [[URL, '--conections', '5'], /unknown option "--conections" for bench/],
    [[URL, '--rate'], /option --rate needs a value/],
    [[URL, '--rate', '5', '--rate', '6'], /option --rate is given twice/],
    [[URL, '--connections', '0'], /--connections: an integer from 1 to 100000, got "0"/],
    [[URL, '--connections', '2.5'], /--connections: an integer/],
    [[URL, '--connections', '4', '--subscribers', '5'], /--subscribers: an integer from 1 to 4, got "5"/],
    [[URL, '--rate', '-1'], /--rate: an integer from 1 to 1000000/],
    [[URL, '--duration', '2h'], /--duration: a duration such as 500ms, 10s or 2m, greater than 0 and at most 3600 s, got "2h"/],
    [[URL, '--duration', '0s'], /--duration: a duration/],
    [[URL, '--drain', '5 s'], /--drain: a duration/],
    [[URL, '--encoding', 'xml'], /--encoding: one of json, msgpack, got "xml"/],
    [[URL, '--transport', 'carrier-pigeon'], /--transport: one of websocket, http_stream, sse, long_poll/],
    [[URL, '--encoding', 'msgpack', '--transport', 'sse'], /--encoding msgpack needs --transport websocket: sse carries JSON/],
    [[URL, '--payload-bytes', '2000000'], /--payload-bytes: an integer from 0 to 1048576/],
    [[URL, '--workers', '0'], /--workers: an integer from 1 to 64, got "0"/],
    [[URL, '--rate', '1000000', '--duration', '1h', '--subscribers', '10'], /deliveries, more than 1000000000: shorten --duration/],
  ])('rejects %j with a precise error', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('parseBenchDuration', () => {
  it.each([
    ['500ms', 500],
    ['10', 10_000],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseBenchDuration(text, '--duration', 3_600_000)).toBe(ms);
  });
});
