import { compactPublication, jsonCodec, type Frame, type PublicationPush } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { shedPublications, type SheddingChannels } from './slow-consumer.js';

const channels = (told: Record<string, string> = {}): SheddingChannels => ({
  canFallBehind: (channel) => channel.startsWith('catch:'),
  epochOf: (channel) => told[channel],
});

const v1 = (channel: string, offset: number, epoch = 'e1'): Frame =>
  jsonCodec.encode({ type: 'publication', channel, data: offset, offset, epoch } satisfies PublicationPush);
const v2 = (channel: string, offset: number, withEpoch: boolean, epoch = 'e1'): Frame =>
  jsonCodec.encode(compactPublication({ type: 'publication', channel, data: offset, offset, epoch }, withEpoch));

describe('shedPublications', () => {
  it('sheds a catching-up channel from its first queued publication, and keeps the others in order', () => {
    const frames = [v1('live:a', 1), v1('catch:b', 7), v1('live:a', 2), v1('catch:b', 8)];
    const shed = shedPublications(frames, jsonCodec, channels());
    expect(shed?.kept).toEqual([frames[0], frames[2]]);
    expect(shed?.behind).toEqual([{ type: 'behind', channel: 'catch:b', offset: 6, epoch: 'e1' }]);
  });

  it("reads protocol v2's compact publications: the epoch from the queue, or the one the connection was told", () => {
    // With its epoch in the frame.
    expect(shedPublications([v2('catch:b', 5, true, 'e2')], jsonCodec, channels())?.behind).toEqual([
      { type: 'behind', channel: 'catch:b', offset: 4, epoch: 'e2' },
    ]);
    // Without: the epoch the fan-out last told the connection's channel.
    expect(shedPublications([v2('catch:b', 5, false)], jsonCodec, channels({ 'catch:b': 'e3' }))?.behind).toEqual([
      { type: 'behind', channel: 'catch:b', offset: 4, epoch: 'e3' },
    ]);
  });

  it('is undefined when nothing can be shed (the connection then closes as slow)', () => {
    expect(shedPublications([v1('live:a', 1), v2('live:a', 2, true)], jsonCodec, channels())).toBeUndefined();
    // A compact frame whose epoch is known nowhere is kept rather than guessed.
    expect(shedPublications([v2('catch:b', 5, false)], jsonCodec, channels())).toBeUndefined();
  });
});
