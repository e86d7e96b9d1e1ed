/**
 * @module test/relais-sources
 * Where each @relais/* package the CLI imports has its sources, relative to the repository root:
 * for the tests that bundle the CLI from sources with esbuild (the cluster-process tests here,
 * apps/e2e's global setup). A package the CLI starts importing needs a line here.
 */
export const RELAIS_SOURCES: Readonly<Record<string, string>> = {
  '@relais/protocol': 'packages/protocol/src/index.ts',
  '@relais/server': 'packages/server/src/index.ts',
  '@relais/redis': 'packages/redis/src/index.ts',
  '@relais/postgres': 'packages/postgres/src/index.ts',
  '@relais/supabase': 'packages/supabase/src/index.ts',
  '@relais/socketio': 'packages/socketio/src/index.ts',
  '@relais/client': 'packages/client/src/index.ts',
  '@relais/client/msgpack': 'packages/client/src/msgpack.ts',
  '@relais/client/fallback': 'packages/client/src/fallback.ts',
  '@relais/app-chat/server': 'apps/chat/server/index.ts',
  '@relais/app-counter/server': 'apps/counter/server/index.ts',
  '@relais/app-transports/server': 'apps/transports/server/index.ts',
  '@relais/app-moodboard/server': 'apps/moodboard/server/index.ts',
  '@relais/app-admin/server': 'apps/admin/server/index.ts',
};
