import { describe, expect, it } from 'vitest';
import { Decoder, encodePacket, SocketIoProtocolError } from './parser.js';

const decodeOne = (text: string) => new Decoder(10).add(text);

describe('Socket.IO packets', () => {
  describe('encodePacket', () => {
    it('writes type, namespace, ack id and JSON', () => {
      expect(encodePacket({ type: 'CONNECT', nsp: '/', data: { sid: 'abc' } })).toEqual(['0{"sid":"abc"}']);
      expect(encodePacket({ type: 'EVENT', nsp: '/', data: ['hello', 'world'] })).toEqual(['2["hello","world"]']);
      expect(encodePacket({ type: 'EVENT', nsp: '/admin', id: 12, data: ['foo'] })).toEqual(['2/admin,12["foo"]']);
      expect(encodePacket({ type: 'ACK', nsp: '/', id: 456, data: [1] })).toEqual(['3456[1]']);
      expect(encodePacket({ type: 'DISCONNECT', nsp: '/admin' })).toEqual(['1/admin,']);
      expect(encodePacket({ type: 'CONNECT_ERROR', nsp: '/', data: { message: 'no', data: { code: 1 } } })).toEqual([
        '4{"message":"no","data":{"code":1}}',
      ]);
    });

    it('turns binary data into placeholders and attachments', () => {
      const a = Buffer.from([1, 2, 3]);
      const b = new Uint8Array([4, 5, 6]);
      const [text, ...attachments] = encodePacket({ type: 'EVENT', nsp: '/', data: ['file', a, { nested: b }] });
      expect(text).toBe('52-["file",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]');
      expect(attachments).toEqual([a, Buffer.from([4, 5, 6])]);
      expect(encodePacket({ type: 'ACK', nsp: '/x', id: 7, data: [a] })[0]).toBe('61-/x,7[{"_placeholder":true,"num":0}]');
    });
  });

  describe('Decoder', () => {
    it('reads the packets of the protocol examples', () => {
      expect(decodeOne('0')).toEqual({ type: 'CONNECT', nsp: '/' });
      expect(decodeOne('0/admin,{"token":"123"}')).toEqual({ type: 'CONNECT', nsp: '/admin', data: { token: '123' } });
      expect(decodeOne('0/random')).toEqual({ type: 'CONNECT', nsp: '/random' });
      expect(decodeOne('1/admin,')).toEqual({ type: 'DISCONNECT', nsp: '/admin' });
      expect(decodeOne('2456["message",1]')).toEqual({ type: 'EVENT', nsp: '/', id: 456, data: ['message', 1] });
      expect(decodeOne('3/admin,13["bar"]')).toEqual({ type: 'ACK', nsp: '/admin', id: 13, data: ['bar'] });
    });

    it('puts attachments back in place of their placeholders', () => {
      const decoder = new Decoder(10);
      expect(decoder.add('52-789["up",{"_placeholder":true,"num":1},[{"_placeholder":true,"num":0}]]')).toBeUndefined();
      expect(decoder.waiting).toBe(true);
      expect(decoder.add(Buffer.from([1]))).toBeUndefined();
      expect(decoder.add(Buffer.from([2]))).toEqual({
        type: 'EVENT',
        nsp: '/',
        id: 789,
        data: ['up', Buffer.from([2]), [Buffer.from([1])]],
      });
      expect(decoder.waiting).toBe(false);
    });

    it.each([
      ['an unknown type', '9'],
      ['a letter type', 'abc'],
      ['an empty packet', ''],
      ['an event that is not an array', '2{}'],
      ['an empty event', '2[]'],
      ['an event named by an object', '2[{}]'],
      ['a reserved event name', '2["disconnect"]'],
      ['a bad ack id', '2abc["message"]'],
      ['an ack without id', '3[1]'],
      ['an ack that is not an array', '31"x"'],
      ['a CONNECT with an array', '0[1]'],
      ['a DISCONNECT with data', '1{}'],
      ['invalid JSON', '2["a"'],
      ['a binary packet without a count', '5["a"]'],
      ['too many attachments', '511-["a"]'],
      ['a namespace without a slash', '2admin,["a"]'],
    ])('refuses %s', (_name, text) => {
      expect(() => decodeOne(text)).toThrow(SocketIoProtocolError);
    });

    it('refuses a placeholder pointing past the attachments', () => {
      const decoder = new Decoder(10);
      decoder.add('51-["a",{"_placeholder":true,"num":3}]');
      expect(() => decoder.add(Buffer.from([1]))).toThrow('invalid attachment placeholder');
    });

    it('refuses a text packet while attachments are due, and an attachment without a packet', () => {
      const decoder = new Decoder(10);
      expect(() => decoder.add(Buffer.from([1]))).toThrow(SocketIoProtocolError);
      decoder.add('51-["a",{"_placeholder":true,"num":0}]');
      expect(() => decoder.add('2["b"]')).toThrow(SocketIoProtocolError);
    });
  });
});
