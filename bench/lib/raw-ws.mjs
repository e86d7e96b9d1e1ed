/**
 * @module bench/lib/raw-ws
 * A minimal RFC 6455 WebSocket client over `node:net` for the load generator, where the `ws`
 * client's per-connection and per-message cost would land on the load generator's single core.
 * It does only what the benchmark needs:
 * - the HTTP/1.1 upgrade with a fixed Sec-WebSocket-Key (its Sec-WebSocket-Accept is computed
 *   once and checked) and an optional Sec-WebSocket-Protocol; any answer but 101 fails with
 *   its status line;
 * - unmasked server frames: text and binary (both handed over as strings), 7/16/64-bit lengths,
 *   fragmented messages, frames split over TCP chunks or several in one chunk; ping is answered
 *   with pong, close with close;
 * - masked text frames out, with a zero mask: legal (RFC 6455 §5.3 only asks the client to pick
 *   a key; it is the browser's job to make it unpredictable) and it makes masking free.
 * No extensions (permessage-deflate is never offered), no UTF-8 validation.
 *
 * @example
 * const ws = new RawWebSocket('ws://127.0.0.1:8080/connection/websocket', {
 *   protocol: 'relais.v1.json',
 *   onOpen: () => ws.send('{"id":1,"method":"connect","params":{}}'),
 *   onMessage: (text) => console.log(text),
 *   onClose: (code, reason, error) => console.log('closed', code, reason, error),
 * });
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Every connection sends the same key: the server only proves it speaks WebSocket with it. */
const KEY = 'cmVsYWlzLWJlbmNoLWtleQ==';
const ACCEPT = createHash('sha1')
  .update(KEY + GUID)
  .digest('base64');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;
const ZERO_MASK_BIT = 0x80;
/**
 * Every socket of the process reads into this one buffer (net's `onread`): no Buffer is
 * allocated per read and no stream event is emitted. A chunk is only valid during #onData, so
 * whatever outlives it (a partial frame, a fragment) is copied.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** Close code reported when the connection ended without a close frame (RFC 6455 §7.1.5). */
export const CLOSE_ABNORMAL = 1006;
/** Close code reported for a close frame without a code (RFC 6455 §7.1.5). */
export const CLOSE_NO_STATUS = 1005;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** The server refused the upgrade or answered it wrongly. */
export class HandshakeError extends Error {
  name = 'HandshakeError';
  code = 'BENCH_ERR_WS_HANDSHAKE';
}

/** The server sent something RFC 6455 forbids (masked frame, reserved bits, bad lengths). */
export class FrameError extends Error {
  name = 'FrameError';
  code = 'BENCH_ERR_WS_FRAME';
}

/**
 * One client connection. States: 'connecting' → 'open' → 'closing' → 'closed'. `onClose`
 * is called exactly once, with the server's close code, CLOSE_ABNORMAL when the TCP connection
 * ended without one, and the error when the handshake or the stream failed.
 */
export class RawWebSocket {
  /** @type {'connecting' | 'open' | 'closing' | 'closed'} */
  state = 'connecting';
  #socket;
  #options;
  #url;
  /** Received bytes not yet parsed: chunks, and their total length. */
  #chunks = [];
  #buffered = 0;
  /** Bytes needed before parsing is worth trying again (a header, or a whole frame). */
  #needed = 1;
  /** Payloads of a fragmented message received so far, or undefined. */
  #fragments;
  #closeSent = false;

  /**
   * @param {string} url `ws://host:port/path?query`
   * `localAddress`: the source address to connect from (e.g. 127.0.0.2): each one has its own
   * ephemeral ports towards the server's address.
   * @param {{protocol?: string, maxPayloadBytes?: number, localAddress?: string, onOpen?: () => void,
   *   onMessage?: (text: string) => void,
   *   onClose?: (code: number, reason: string, error?: Error) => void}} options
   */
  constructor(url, options = {}) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'ws:') throw new HandshakeError(`only ws:// URLs are supported, not ${url}`);
    this.#url = url;
    this.#options = { maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES, ...options };
    const socket = connect({
      host: parsed.hostname,
      port: Number(parsed.port || 80),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      onread: { buffer: READ_BUFFER, callback: (length, buffer) => this.#onData(buffer.subarray(0, length)) },
    });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(upgradeRequest(parsed, options.protocol)));
    socket.on('error', (error) => this.#finish(CLOSE_ABNORMAL, '', error));
    socket.on('close', () => this.#finish(CLOSE_ABNORMAL, this.state === 'connecting' ? 'closed during the handshake' : ''));
  }

  /** Sends `text` as one masked text frame. Ignored unless open. */
  send(text) {
    if (this.state !== 'open') return;
    this.#socket.write(frame(OP_TEXT, text));
  }

  /** Starts the closing handshake; the server's close frame (or its FIN) ends it. */
  close(code = 1000, reason = '') {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.#sendClose(code, reason);
  }

  /** Drops the TCP connection at once. */
  terminate() {
    this.#socket.destroy();
  }

  /** Stops reading: the kernel buffers fill, then the server's send queue grows. */
  pause() {
    this.#socket.pause();
  }

  /** Reads again (and parses whatever arrived meanwhile). */
  resume() {
    this.#socket.resume();
  }

  /** `chunk` is a view of READ_BUFFER: valid until this returns. */
  #onData(chunk) {
    if (this.#buffered + chunk.length < this.#needed) {
      this.#chunks.push(Buffer.from(chunk));
      this.#buffered += chunk.length;
      return;
    }
    let buffer = chunk;
    if (this.#chunks.length > 0) {
      this.#chunks.push(chunk);
      buffer = Buffer.concat(this.#chunks, this.#buffered + chunk.length);
    }
    this.#chunks = [];
    this.#buffered = 0;
    try {
      let offset = 0;
      if (this.state === 'connecting') {
        offset = this.#handshake(buffer);
        if (offset === -1) return;
      }
      offset = this.#frames(buffer, offset);
      if (offset < buffer.length && this.state !== 'closed') {
        this.#chunks.push(Buffer.from(buffer.subarray(offset)));
        this.#buffered = buffer.length - offset;
      }
    } catch (error) {
      this.#finish(CLOSE_ABNORMAL, '', error);
      this.#socket.destroy();
    }
  }

  /** Parses the upgrade response; returns where the frames start, or -1 to wait for more. */
  #handshake(buffer) {
    const end = buffer.indexOf(HEADER_END);
    if (end === -1) {
      if (buffer.length > MAX_HEADER_BYTES)
        throw new HandshakeError(`${this.#url}: response headers longer than ${MAX_HEADER_BYTES} bytes`);
      this.#chunks.push(Buffer.from(buffer));
      this.#buffered = buffer.length;
      this.#needed = buffer.length + 1;
      return -1;
    }
    checkUpgradeResponse(buffer.toString('latin1', 0, end), this.#url, this.#options.protocol);
    this.state = 'open';
    this.#needed = 2;
    this.#options.onOpen?.();
    return end + HEADER_END.length;
  }

  /** Parses every whole frame from `offset`; returns the offset of the first incomplete one. */
  #frames(buffer, offset) {
    while (this.state === 'open' || this.state === 'closing') {
      const available = buffer.length - offset;
      if (available < 2) {
        this.#needed = 2;
        return offset;
      }
      const b0 = buffer[offset];
      const b1 = buffer[offset + 1];
      if (b0 & 0x70) throw new FrameError('reserved bits set (no extension was negotiated)');
      if (b1 & 0x80) throw new FrameError('masked frame from the server');
      let length = b1 & 0x7f;
      let headerLength = 2;
      if (length === 126) headerLength = 4;
      else if (length === 127) headerLength = 10;
      if (available < headerLength) {
        this.#needed = headerLength;
        return offset;
      }
      if (length === 126) length = buffer.readUInt16BE(offset + 2);
      else if (length === 127) length = Number(buffer.readBigUInt64BE(offset + 2));
      if (length > this.#options.maxPayloadBytes)
        throw new FrameError(`frame of ${length} bytes exceeds maxPayloadBytes ${this.#options.maxPayloadBytes}`);
      if (available < headerLength + length) {
        this.#needed = headerLength + length;
        return offset;
      }
      const start = offset + headerLength;
      offset = start + length;
      this.#frame(b0 & 0x80, b0 & 0x0f, buffer, start, offset);
    }
    return buffer.length;
  }

  #frame(fin, opcode, buffer, start, end) {
    if (opcode >= OP_CLOSE) {
      if (!fin || end - start > 125) throw new FrameError(`control frame (opcode ${opcode}) fragmented or longer than 125 bytes`);
      this.#control(opcode, buffer.subarray(start, end));
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.#fragments) throw new FrameError('new message before the end of a fragmented one');
      if (fin) this.#options.onMessage?.(buffer.toString('utf8', start, end));
      else this.#fragments = [Buffer.from(buffer.subarray(start, end))];
    } else if (opcode === OP_CONTINUATION) {
      if (!this.#fragments) throw new FrameError('continuation frame without a message to continue');
      this.#fragments.push(Buffer.from(buffer.subarray(start, end)));
      if (fin) {
        const whole = Buffer.concat(this.#fragments);
        this.#fragments = undefined;
        this.#options.onMessage?.(whole.toString('utf8'));
      }
    } else {
      throw new FrameError(`unknown opcode ${opcode}`);
    }
  }

  #control(opcode, payload) {
    if (opcode === OP_PING) {
      this.#socket.write(frame(OP_PONG, payload));
    } else if (opcode === OP_CLOSE) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : CLOSE_NO_STATUS;
      const reason = payload.length > 2 ? payload.toString('utf8', 2) : '';
      if (!this.#closeSent) this.#sendClose(code === CLOSE_NO_STATUS ? 1000 : code, '');
      this.#socket.end();
      this.#finish(code, reason);
    } else if (opcode !== OP_PONG) {
      throw new FrameError(`unknown control opcode ${opcode}`);
    }
  }

  #sendClose(code, reason) {
    this.#closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.#socket.write(frame(OP_CLOSE, payload));
  }

  #finish(code, reason, error) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#chunks = [];
    this.#buffered = 0;
    this.#options.onClose?.(code, reason, error);
  }
}

function upgradeRequest(url, protocol) {
  return (
    `GET ${url.pathname}${url.search} HTTP/1.1\r\n` +
    `Host: ${url.host}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${KEY}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
    '\r\n'
  );
}

/** Throws a HandshakeError unless `head` (status line and headers) accepts the upgrade. */
function checkUpgradeResponse(head, url, protocol) {
  const [statusLine, ...lines] = head.split('\r\n');
  if (!/^HTTP\/1\.1 101\b/.test(statusLine))
    throw new HandshakeError(`${url}: server answered "${statusLine}" instead of 101 Switching Protocols`);
  const headers = new Map();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') throw new HandshakeError(`${url}: 101 without "Upgrade: websocket"`);
  if (headers.get('sec-websocket-accept') !== ACCEPT)
    throw new HandshakeError(`${url}: wrong Sec-WebSocket-Accept "${headers.get('sec-websocket-accept')}"`);
  const accepted = headers.get('sec-websocket-protocol');
  if (protocol && accepted !== protocol)
    throw new HandshakeError(`${url}: server did not accept subprotocol ${protocol} (answered ${accepted ?? 'none'})`);
  if (!protocol && accepted !== undefined) throw new HandshakeError(`${url}: server chose subprotocol ${accepted}, none was offered`);
}

/** One masked frame with a zero mask: the payload goes out unchanged. */
function frame(opcode, data) {
  const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  const headerLength = length < 126 ? 6 : length < 65_536 ? 8 : 14;
  const out = Buffer.allocUnsafe(headerLength + length);
  out[0] = 0x80 | opcode;
  if (length < 126) {
    out[1] = ZERO_MASK_BIT | length;
  } else if (length < 65_536) {
    out[1] = ZERO_MASK_BIT | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = ZERO_MASK_BIT | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  out.writeUInt32BE(0, headerLength - 4);
  if (typeof data === 'string') out.write(data, headerLength, 'utf8');
  else data.copy(out, headerLength);
  return out;
}
