/**
 * @module data
 * What application data may hold. Every `data` is bounded in depth; publication data must also
 * be portable (what JSON and MessagePack both carry identically), because it fans out to every
 * encoding and into history. One iterative walk: a 20,000-deep value must not overflow the
 * stack, and it stops at the first problem.
 */

/**
 * Deepest data a node accepts, whatever its `maxDataDepth` option: replies and pushes wrap data
 * in up to 6 more levels, and MessagePack encoders stop at 100.
 */
export const MAX_DATA_DEPTH = 64;

/** The rules one value is checked against. */
export interface DataRules {
  /** Arrays and maps may be nested this many levels deep (`[]` is 1, a scalar 0). */
  maxDepth: number;
  /**
   * Only what JSON and MessagePack carry identically: null, booleans, finite numbers,
   * well-formed strings, arrays, plain objects (no binary, timestamps, NaN/±Infinity, lone
   * surrogates). Otherwise anything a decoder produces passes, except what follows.
   * Either way a key `__proto__` is refused: MessagePack decoders refuse it, and in JSON it is
   * the way to pollute prototypes in code that merges objects.
   */
  portable: boolean;
}

/** Why a value was refused: `depth` (a limit: nested too deep) or `value` (what it holds). */
export interface DataProblem {
  kind: 'depth' | 'value';
  /** Starts with the path of the refused part, e.g. `data.items[2] is NaN, which JSON cannot carry`. */
  message: string;
}

type Key = string | number;

/** A container being walked, and where it sits (for messages). */
interface Node {
  readonly value: object;
  readonly depth: number;
  readonly parent: Node | undefined;
  readonly key: Key | undefined;
}

type WellFormedText = string & { isWellFormed?: () => boolean };
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Whether `text` is well-formed Unicode: no lone surrogate (a JSON `"\ud800"` escape makes one). */
export function isWellFormed(text: string): boolean {
  const native = (text as WellFormedText).isWellFormed;
  return native ? native.call(text) : !LONE_SURROGATE.test(text);
}

/**
 * Whether `value` is a map as both decoders build it: a plain object. Arrays, bytes and the
 * Date that MessagePack's timestamp extension decodes to are not, even without own keys.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function pathOf(name: string, parent: Node | undefined, key: Key | undefined): string {
  const keys: Key[] = [];
  if (key !== undefined) keys.push(key);
  for (let node = parent; node?.key !== undefined; node = node.parent) keys.push(node.key);
  let path = name;
  for (let i = keys.length - 1; i >= 0; i--) {
    const part = keys[i] as Key;
    if (typeof part === 'number') path += `[${part}]`;
    else if (IDENTIFIER.test(part) && part.length <= 32) path += `.${part}`;
    else path += `[${JSON.stringify(part.length > 32 ? `${part.slice(0, 32)}…` : part)}]`;
  }
  return path;
}

/** What is wrong with a value that is not a plain object, array or scalar, in portable data. */
function describeObject(value: object): string {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'is binary data, which JSON cannot carry';
  if (value instanceof Date) return 'is a timestamp (Date), which JSON cannot carry';
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  return `is ${typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object'}, not a plain object or array`;
}

/** What is wrong with a scalar in portable data, or undefined. */
function scalarProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `is ${value}, which JSON cannot carry`;
    case 'string':
      return isWellFormed(value) ? undefined : 'is not well-formed Unicode (it holds a lone surrogate)';
    case 'undefined':
      return 'is undefined (use null)';
    default:
      return `is a ${typeof value}, which neither encoding carries`;
  }
}

/**
 * Checks `value` against `rules`; returns the first problem found, or undefined. `name` starts
 * the path in messages (`publish.data`). Values of `undefined` in objects pass: both encodings
 * leave such fields out.
 * @example dataError({ a: [NaN] }, { maxDepth: 32, portable: true }) // → { kind: 'value', message: 'data.a[0] is NaN, which JSON cannot carry' }
 */
export function dataError(value: unknown, rules: DataRules, name = 'data'): DataProblem | undefined {
  const stack: Node[] = [];
  const visit = (item: unknown, depth: number, parent: Node | undefined, key: Key | undefined): DataProblem | undefined => {
    if (typeof item !== 'object' || item === null) {
      const problem = rules.portable && item !== null ? scalarProblem(item) : undefined;
      return problem === undefined ? undefined : { kind: 'value', message: `${pathOf(name, parent, key)} ${problem}` };
    }
    const container = Array.isArray(item) || isPlainObject(item);
    if (!container) {
      // Binary, timestamps and extension values: leaves, allowed where data need not be portable.
      return rules.portable ? { kind: 'value', message: `${pathOf(name, parent, key)} ${describeObject(item)}` } : undefined;
    }
    if (depth >= rules.maxDepth) return { kind: 'depth', message: `${name} is nested deeper than ${rules.maxDepth} levels` };
    stack.push({ value: item, depth: depth + 1, parent, key });
    return undefined;
  };
  let problem = visit(value, 0, undefined, undefined);
  while (problem === undefined && stack.length > 0) {
    const node = stack.pop() as Node;
    problem = Array.isArray(node.value) ? walkArray(node, visit) : walkObject(node, rules, name, visit);
  }
  return problem;
}

type Visit = (item: unknown, depth: number, parent: Node, key: Key) => DataProblem | undefined;

function walkArray(node: Node, visit: Visit): DataProblem | undefined {
  const array = node.value as unknown[];
  for (let i = 0; i < array.length; i++) {
    const problem = visit(array[i], node.depth, node, i);
    if (problem) return problem;
  }
  return undefined;
}

function walkObject(node: Node, rules: DataRules, name: string, visit: Visit): DataProblem | undefined {
  const object = node.value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (key === '__proto__') {
      return {
        kind: 'value',
        message: `${pathOf(name, node.parent, node.key)} has the key "__proto__", which is not allowed (MessagePack refuses it)`,
      };
    }
    if (rules.portable && !isWellFormed(key)) {
      return {
        kind: 'value',
        message: `${pathOf(name, node.parent, node.key)} has a key that is not well-formed Unicode (it holds a lone surrogate)`,
      };
    }
    const item = object[key];
    if (item === undefined) continue;
    const problem = visit(item, node.depth, node, key);
    if (problem) return problem;
  }
  return undefined;
}
