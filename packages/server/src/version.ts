/**
 * @module version
 * The server version reported in ConnectResult, read from this package's package.json.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    // Same relative path from src/ (tests) and dist/ (published build).
    const url = new URL('../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export const SERVER_VERSION: string = readVersion();
