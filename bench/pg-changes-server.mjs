/**
 * @module bench/pg-changes-server
 * The server of bench/pg-changes.mjs: a relais node (memory engine) with the Postgres change feed
 * streaming one table. Args: database URL, table, slot, publication, registry table. Answers
 * `cpu` (its process.cpuUsage) and `close`.
 */
import { PostgresChanges } from '@relais/postgres';
import { createRelais } from '@relais/server';
import { performance } from 'node:perf_hooks';
import { serve } from './lib/ipc.mjs';

const [url, table, slot, publication, registryTable] = process.argv.slice(2);
const relais = createRelais({
  maxConnections: 100_000,
  namespaces: { pg: { publishAccess: 'nobody', historySize: 100, historyTtlMs: 60_000 } },
});
const changes = new PostgresChanges(relais, { url, tables: [table], slot, publication, registryTable });
await changes.start();
const { port } = await relais.listen({ port: 0, host: '127.0.0.1' });
serve({
  cpu: () => ({ ...process.cpuUsage(), elu: performance.eventLoopUtilization() }),
  close: async () => {
    await changes.close();
    await relais.close();
    setImmediate(() => process.exit(0));
  },
});
process.send?.({ port });
