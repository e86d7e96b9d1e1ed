/**
 * What history costs the memory engine: its accounted bytes are the encoded bodies, and the
 * heap it holds stays near them, not ~30× the wire size as when it kept parsed objects
 * (issue [hardening] item 5: 100 publications of 4 KB nested arrays held 11 MB).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { encodePublicationBody } from '../publication-body.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryBus } from './memory-bus.js';

/**
 * 4 KB of JSON: 66 arrays nested 30 deep (31 levels in all, within the default maxDataDepth),
 * the shape that costs V8 the most per wire byte.
 */
const NESTED_JSON = `[${Array.from({ length: 66 }, () => '['.repeat(30) + ']'.repeat(30)).join(',')}]`;
const COUNT = 100;
const HISTORY = { size: COUNT, ttlMs: 600_000 };

/** A full collection, as `--expose-gc` gives it (the same trick as jest's leak detector). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heldBytes(gc: () => void): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function publishNested(broker: MemoryBroker): Promise<void> {
  // As the session hands it over: data freshly parsed from a client's frame.
  for (let i = 0; i < COUNT; i++) await broker.publish({ channel: 'chat:a', data: JSON.parse(NESTED_JSON) }, { history: HISTORY });
}

describe('memory history cost', () => {
  it('accounts each kept publication by its encoded body', async () => {
    const bus = new MemoryBus();
    const broker = new MemoryBroker({ bus });
    await broker.start({ handlePublication() {}, handleJoin() {}, handleLeave() {} });
    await publishNested(broker);
    const encoded = encodePublicationBody({ channel: 'chat:a', data: JSON.parse(NESTED_JSON) }).byteLength;
    expect(bus.historyCount).toBe(COUNT);
    expect(bus.historyBytes).toBe(COUNT * encoded);
    expect(encoded).toBeLessThan(NESTED_JSON.length);
  });

  it('holds less than 3× the wire size of 100 kept publications of 4 KB nested arrays', async () => {
    const gc = collector();
    const bus = new MemoryBus();
    const broker = new MemoryBroker({ bus });
    await broker.start({ handlePublication() {}, handleJoin() {}, handleLeave() {} });
    // Warm up the code paths (compiled code, msgpack's buffers) before measuring.
    await broker.publish({ channel: 'warm:up', data: JSON.parse(NESTED_JSON) }, { history: HISTORY });
    const before = heldBytes(gc);
    await publishNested(broker);
    const grown = heldBytes(gc) - before;
    const wire = COUNT * NESTED_JSON.length;
    expect(bus.historyCount).toBe(COUNT + 1);
    // Kept as objects this was 27× (10.9 MB); kept as bodies it is about 0.5× (the bodies' 200 KB).
    expect(grown).toBeLessThan(3 * wire);
  });
});
