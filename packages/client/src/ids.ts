/**
 * @module ids
 * Idempotency keys for publishes: crypto.randomUUID when the runtime has it, else 128 random bits
 * from getRandomValues, else Math.random (old runtimes; uniqueness is then best effort).
 */

export function idempotencyKey(): string {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
