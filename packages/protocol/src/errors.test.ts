import { describe, expect, it } from 'vitest';
import { Disconnect, ProtocolError, ReplyError } from './errors.js';

describe('ReplyError', () => {
  it('takes the default message of a relais code', () => {
    const error = new ReplyError(107);
    expect(error.message).toBe('bad request');
    expect(error.code).toBe(107);
    expect(error.temporary).toBe(false);
  });

  it('names an unknown code in its default message', () => {
    expect(new ReplyError(403).message).toBe('error 403');
  });

  it('keeps a chosen message, even an empty one', () => {
    expect(new ReplyError(403, 'only moderators may post here').message).toBe('only moderators may post here');
    expect(new ReplyError(403, '').message).toBe('');
  });

  it.each([
    [100, true],
    [111, true],
    [114, true],
    [115, true],
    [101, false],
    [104, false],
    [107, false],
    [500, false],
  ])('marks code %i as temporary=%s by default', (code, temporary) => {
    expect(new ReplyError(code).temporary).toBe(temporary);
  });

  it('lets the caller override the temporary flag both ways', () => {
    expect(new ReplyError(111, undefined, { temporary: false }).temporary).toBe(false);
    expect(new ReplyError(503, 'busy', { temporary: true }).temporary).toBe(true);
  });

  it('serializes to the wire shape only, without name, stack or cause', () => {
    const error = new ReplyError(111, undefined, { cause: new Error('bucket empty') });
    expect(JSON.stringify(error)).toBe('{"code":111,"message":"too many requests","temporary":true}');
    expect(error.toJSON()).toEqual({ code: 111, message: 'too many requests', temporary: true });
  });

  it('passes the cause through', () => {
    const cause = new Error('db down');
    expect(new ReplyError(100, undefined, { cause }).cause).toBe(cause);
  });

  it('is an Error named ReplyError', () => {
    const error = new ReplyError(104);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ReplyError');
    expect(String(error)).toBe('ReplyError: method not found');
  });

  it('rebuilds itself from a wire shape, keeping its temporary flag', () => {
    const error = ReplyError.from({ code: 100, message: 'internal server error', temporary: false });
    expect(error).toBeInstanceOf(ReplyError);
    expect(error.toJSON()).toEqual({ code: 100, message: 'internal server error', temporary: false });
  });
});

describe('Disconnect', () => {
  it('takes the default reason of a relais code', () => {
    const disconnect = new Disconnect(3501);
    expect(disconnect.reason).toBe('bad request');
    expect(disconnect.message).toBe('bad request');
    expect(disconnect.code).toBe(3501);
  });

  it('names an unknown code in its default reason', () => {
    expect(new Disconnect(4100).reason).toBe('disconnect 4100');
  });

  it('keeps a chosen reason', () => {
    expect(new Disconnect(3503, 'banned').reason).toBe('banned');
  });

  it.each([
    [3001, true],
    [3012, true],
    [3014, true],
    [3500, false],
    [3501, false],
    [3506, false],
    [4000, true],
    [4499, true],
    [4500, false],
    [4999, false],
  ])('tells the client to reconnect after %i: %s', (code, reconnect) => {
    expect(new Disconnect(code).reconnect).toBe(reconnect);
  });

  it('is an Error named Disconnect that passes the cause through', () => {
    const cause = new Error('socket reset');
    const disconnect = new Disconnect(3009, undefined, { cause });
    expect(disconnect).toBeInstanceOf(Error);
    expect(disconnect.name).toBe('Disconnect');
    expect(disconnect.cause).toBe(cause);
    expect(String(disconnect)).toBe('Disconnect: write error');
  });
});

describe('ProtocolError', () => {
  it('carries a stable code and a precise message', () => {
    const cause = new SyntaxError('Unexpected end of JSON input');
    const error = new ProtocolError('PROTO_ERR_MALFORMED_FRAME', 'invalid JSON in frame line 1', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProtocolError');
    expect(error.code).toBe('PROTO_ERR_MALFORMED_FRAME');
    expect(error.message).toBe('invalid JSON in frame line 1');
    expect(error.cause).toBe(cause);
  });
});
