import { runControlLinkSuite } from '../testkit/control-link-suite.js';
import { MemoryControlHub, MemoryControlLink } from './memory-control-link.js';

runControlLinkSuite('MemoryControlLink', (count) => {
  const hub = new MemoryControlHub();
  return Array.from({ length: count }, () => new MemoryControlLink(hub));
});
