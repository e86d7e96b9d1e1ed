/**
 * @module http-body
 * Reads a request body with a size cap, for the node's HTTP endpoints (server API, HTTP
 * transports).
 */
import type { IncomingMessage } from 'node:http';

/** The body passed the cap: answer 413. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** The request body, or BodyTooLarge as soon as it passes `maxBytes` (Content-Length first). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(new BodyTooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        // What else comes is read and dropped, so the 413 reaches a client still sending.
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}
