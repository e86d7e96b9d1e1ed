/**
 * @module commands/ping
 * `ping`: answers {}. Any inbound frame already counted as liveness (see Heartbeat).
 */
import type { CommandHandler } from './context.js';

export const handlePing: CommandHandler<'ping'> = async () => ({ result: {} });
