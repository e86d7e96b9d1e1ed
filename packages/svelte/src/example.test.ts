import { readFileSync } from 'node:fs';
import { compile } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

describe.each(['Chat.svelte', 'Presence.svelte'])('examples/%s', (file) => {
  it('compiles as a Svelte 5 component without warnings', () => {
    const source = readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8');
    const result = compile(source, { filename: file, generate: 'client', runes: true });
    expect(result.warnings.map((w) => w.message)).toEqual([]);
    expect(result.js.code).toContain('@relais/svelte');
  });
});
