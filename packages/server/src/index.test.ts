/**
 * The public entry point: what the README's embedding example imports works as shown.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as protocol from '@relais/protocol';
import { createRelais, Disconnect, ReplyError } from './index.js';

describe('@relais/server entry point', () => {
  it('re-exports the wire errors of @relais/protocol', () => {
    expect(ReplyError).toBe(protocol.ReplyError);
    expect(Disconnect).toBe(protocol.Disconnect);
  });

  it('runs the README example: a ReplyError thrown by onPublish reaches the client as its code', async () => {
    const relais = createRelais();
    relais.onPublish(({ data }) => {
      const text = String((data as { text?: unknown }).text ?? '').trim();
      if (!text) throw new ReplyError(400, 'empty message');
      return { data: { text } };
    });
    const { port } = await relais.listen({ port: 0 });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, 'relais.v1.json');
    const replies: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        for (const line of String(data).split('\n')) {
          const frame = JSON.parse(line) as { id?: number };
          if (frame.id !== undefined) replies.push(frame);
          if (frame.id === 3) resolve();
        }
      });
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      [
        { id: 1, method: 'connect', params: {} },
        { id: 2, method: 'publish', params: { channel: 'chat:lobby', data: { text: '  ' } } },
        { id: 3, method: 'publish', params: { channel: 'chat:lobby', data: { text: ' hi ' } } },
      ]
        .map((command) => JSON.stringify(command))
        .join('\n'),
    );
    await done;
    ws.close();
    await relais.close();
    expect(replies[1]).toEqual({ id: 2, error: { code: 400, message: 'empty message', temporary: false } });
    expect(replies[2]).toEqual({ id: 3, result: {} });
  });
});
