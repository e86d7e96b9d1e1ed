import { describe, expect, it } from 'vitest';
import { NamespaceLabels, OTHER_NAMESPACE_LABEL } from './namespace-labels.js';

describe('NamespaceLabels', () => {
  it('labels a channel by its namespace, never by its name', () => {
    const labels = new NamespaceLabels(['chat']);
    expect(labels.of('chat:room-1')).toBe('chat');
    expect(labels.of('chat:room-2')).toBe('chat');
    expect(labels.of('lobby')).toBe('');
  });

  it('gives unlisted namespaces their own label up to the cap, then one shared label', () => {
    const labels = new NamespaceLabels(['chat'], 2);
    expect(labels.of('a:1')).toBe('a');
    expect(labels.of('b:1')).toBe('b');
    expect(labels.of('c:1')).toBe(OTHER_NAMESPACE_LABEL);
    expect(labels.of('a:2')).toBe('a');
    // Listed namespaces keep their label whatever the unlisted ones took.
    expect(labels.of('chat:x')).toBe('chat');
  });
});
