import { describe, expect, it } from 'vitest';
import { sseEvent, wrapped } from './http-stream-transport.js';

describe('the wrapping of HTTP stream frames', () => {
  it('makes every line of a message a data line of one SSE event', () => {
    expect(sseEvent('{"a":1}\n{"b":2}')).toBe('data: {"a":1}\ndata: {"b":2}\n\n');
    expect(sseEvent('s1', 'session')).toBe('event: session\ndata: s1\n\n');
  });

  it('wraps a frame once per kind for a whole fan-out, and each new frame anew', () => {
    const frame = '{"type":"publication"}';
    expect(wrapped(frame, 'sse')).toBe(`data: ${frame}\n\n`);
    expect(wrapped(frame, 'sse')).toBe(wrapped(frame, 'sse'));
    expect(wrapped(frame, 'http_stream')).toBe(`${frame}\n`);
    expect(wrapped('{"other":1}', 'http_stream')).toBe('{"other":1}\n');
    expect(wrapped(new TextEncoder().encode('{"bin":1}'), 'sse')).toBe('data: {"bin":1}\n\n');
  });
});
