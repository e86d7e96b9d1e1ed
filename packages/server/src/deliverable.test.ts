/**
 * What the node acknowledges, it delivers, on the memory engine (see testkit/deliverable-suite;
 * the Redis engine runs the same suite in packages/redis/test/deliverable.test.ts).
 */
import { runDeliverableSuite } from './testkit/deliverable-suite.js';

runDeliverableSuite('memory engine');
