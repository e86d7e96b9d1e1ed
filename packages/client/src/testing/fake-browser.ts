/**
 * @module testing/fake-browser
 * The share tests' browser profile in Node: tabs of one origin, each its own SharedClient on the
 * same URL, sharing fake Web Locks and BroadcastChannels, over a FakeServer. The client's own test
 * harness, not part of @relais/client/testing.
 */
import type { ClientOptions } from '../options.js';
import { SharedClient } from '../share/shared-client.js';
import type { FakeServer } from './fake-server.js';
import { FakeChannels, FakeLocks } from './fake-tabs.js';
import { FAKE_URL } from './helpers.js';

/** A browser profile whose `tab()` opens a SharedClient with `options` over `server`. */
export function fakeBrowser(server: FakeServer, options: ClientOptions = {}) {
  const locks = new FakeLocks();
  const channels = new FakeChannels();
  const tab = () =>
    new SharedClient(FAKE_URL, {
      share: true,
      locks,
      channel: channels.open,
      websocket: server.WebSocket,
      transports: ['websocket'],
      window: null,
      document: null,
      ...options,
    });
  return { locks, channels, tab };
}
