/**
 * @module metrics/namespace-labels
 * The `namespace` label of a channel, bounded: a namespace listed in the `namespaces` option is
 * its own label; others (open namespaces, the `'*'` catch-all) get their own label up to
 * MAX_NAMESPACE_LABELS of them, then OTHER_NAMESPACE_LABEL. Channel names never become labels.
 */
import { namespaceOf } from '@relais/protocol';

/** Label values given to namespaces not listed in the options, at most. */
export const MAX_NAMESPACE_LABELS = 64;

/** The label of every unlisted namespace beyond MAX_NAMESPACE_LABELS. */
export const OTHER_NAMESPACE_LABEL = '_other';

export class NamespaceLabels {
  readonly #labels = new Set<string>();
  readonly #max: number;
  #unlisted = 0;

  /** `listed`: the namespaces of the options (`'*'` included or not, it is a name like any). */
  constructor(listed: Iterable<string> = [], max = MAX_NAMESPACE_LABELS) {
    for (const name of listed) this.#labels.add(name);
    this.#max = max;
  }

  /** The label of `channel`'s namespace (`''` for channels without one). */
  of(channel: string): string {
    const namespace = namespaceOf(channel);
    if (this.#labels.has(namespace)) return namespace;
    if (this.#unlisted >= this.#max) return OTHER_NAMESPACE_LABEL;
    this.#unlisted++;
    this.#labels.add(namespace);
    return namespace;
  }
}
