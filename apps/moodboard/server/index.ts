/**
 * @module @relais/app-moodboard/server
 * The mood board's server half, installed by `relais serve` when a Postgres URL is configured.
 * It uses only the public API of @relais/server, and pg for its table.
 * @example
 * const board = await installMoodboard(relais, { url: 'postgres://postgres@127.0.0.1/app' });
 */
export {
  checkAddMood,
  DEFAULT_MOODBOARD_KEEP,
  DEFAULT_MOODBOARD_TABLE,
  installMoodboard,
  resolveMoodboardOptions,
  type Moodboard,
  type MoodboardOptions,
} from './moodboard.js';
export { MOODBOARD_ADD_RPC, MOODBOARD_INFO_RPC, MOODS, type MoodRow } from '../shared/protocol.js';
