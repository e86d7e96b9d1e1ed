/**
 * @module filter
 * Row filters: `column=op.value` (Supabase's syntax) with eq, neq, lt, lte, gt, gte and
 * `in.(a,b,"c,d")`, several joined by `&` (all must hold; a value holding `&` is double-quoted), checked against the table's columns and types when a subscription starts,
 * then compiled into one predicate over change rows. Comparisons follow the column's type:
 * numbers and bigints numerically (bigint exactly), numeric exactly as decimals, timestamps as
 * instants, booleans and strings (text, uuid, dates...) by value. A NULL column matches no filter.
 */
import { valueKind, type ValueKind } from './decode/values.js';
import type { TableColumn } from './setup.js';

export type FilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';
const OPS = new Set<string>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);

/** A filter as written by a subscriber. */
export interface FilterSpec {
  column: string;
  op: FilterOp;
  /** The value's text (one per element for `in`). */
  value: string | string[];
}

/** A filter that is malformed or does not fit the table; `message` says why. */
export class FilterError extends Error {
  override readonly name = 'FilterError';
  /** The reply code a subscriber gets: 107 (bad request), or 102 (unknown channel) for a table not streamed. */
  readonly code: number;

  constructor(message: string, code = 107) {
    super(message);
    this.code = code;
  }
}

/** Splits `a,"b,c",d` (the inside of `in.(...)`) into texts; double quotes protect commas. */
function splitList(text: string): string[] {
  const items: string[] = [];
  let at = 0;
  while (at <= text.length) {
    if (text[at] === '"') {
      let item = '';
      at++;
      while (at < text.length && text[at] !== '"') {
        if (text[at] === '\\') at++;
        item += text[at++] ?? '';
      }
      if (text[at] !== '"') throw new FilterError(`unterminated quote in in.(${text})`);
      at++;
      items.push(item);
    } else {
      const end = text.indexOf(',', at);
      const stop = end < 0 ? text.length : end;
      items.push(text.slice(at, stop).trim());
      at = stop;
    }
    if (at >= text.length) break;
    if (text[at] !== ',') throw new FilterError(`expected a comma at ${at} in in.(${text})`);
    at++;
  }
  return items;
}

/** Reads a value that may be double-quoted (needed when it holds `&` or starts with `"`). */
function unquote(text: string, where: string): string {
  if (!text.startsWith('"')) return text;
  let out = '';
  let at = 1;
  while (at < text.length && text[at] !== '"') {
    if (text[at] === '\\') at++;
    out += text[at++] ?? '';
  }
  if (at !== text.length - 1) throw new FilterError(`filter ${JSON.stringify(where)}: a quoted value must end with its quote`);
  return out;
}

/** Parses one `column=op.value`; throws a FilterError when malformed. */
export function parseFilter(text: string): FilterSpec {
  const eq = text.indexOf('=');
  const dot = text.indexOf('.', eq + 1);
  if (eq <= 0 || dot < 0)
    throw new FilterError(`filter ${JSON.stringify(text)} is not column=op.value (e.g. id=eq.42, status=in.(open,done))`);
  const column = text.slice(0, eq);
  const op = text.slice(eq + 1, dot);
  const value = text.slice(dot + 1);
  if (!OPS.has(op)) throw new FilterError(`filter operator ${JSON.stringify(op)} is not one of eq, neq, lt, lte, gt, gte, in`);
  if (op !== 'in') return { column, op: op as FilterOp, value: unquote(value, text) };
  if (!value.startsWith('(') || !value.endsWith(')')) throw new FilterError(`filter ${JSON.stringify(text)}: in takes a list, in.(a,b)`);
  const items = splitList(value.slice(1, -1));
  if (items.length === 0 || (items.length === 1 && items[0] === ''))
    throw new FilterError(`filter ${JSON.stringify(text)}: in.() needs at least one value`);
  return { column, op: 'in', value: items };
}

/** Splits `a=eq.1&b=in.(x,"y&z")` at the `&` outside double quotes. */
function splitFilters(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (quoted && char === '\\') at++;
    else if (char === '"') quoted = !quoted;
    else if (char === '&' && !quoted) {
      parts.push(text.slice(start, at));
      start = at + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Parses filters joined by `&` (all must hold); throws a FilterError when one is malformed. */
export function parseFilters(text: string): FilterSpec[] {
  return splitFilters(text).map(parseFilter);
}

const quote = (item: string): string => `"${item.replace(/["\\]/g, '\\$&')}"`;

/** The canonical text of one filter. */
export function formatFilter(spec: FilterSpec): string {
  if (spec.op !== 'in') {
    const value = String(spec.value);
    return `${spec.column}=${spec.op}.${/^"|&/.test(value) ? quote(value) : value}`;
  }
  const items = (Array.isArray(spec.value) ? spec.value : [spec.value]).map((item) =>
    /[",()\\&]/.test(item) || item.trim() !== item || item === '' ? quote(item) : item,
  );
  return `${spec.column}=in.(${items.join(',')})`;
}

/** The canonical text of filters: each canonical, in sorted order, no repeats. What channel names carry. */
export function formatFilters(specs: readonly FilterSpec[]): string {
  return [...new Set(specs.map(formatFilter))].sort().join('&');
}

/** Compares two decimal strings exactly: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const parse = (text: string): { neg: boolean; int: string; frac: string } => {
    const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new FilterError(`${JSON.stringify(text)} is not a decimal number`);
    const int = (match[2] ?? '').replace(/^0+/, '');
    const frac = (match[3] ?? '').replace(/0+$/, '');
    return { neg: match[1] === '-' && (int !== '' || frac !== ''), int, frac };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  const sign = x.neg ? -1 : 1;
  if (x.int.length !== y.int.length) return (x.int.length < y.int.length ? -1 : 1) * sign;
  if (x.int !== y.int) return (x.int < y.int ? -1 : 1) * sign;
  const width = Math.max(x.frac.length, y.frac.length);
  const fx = x.frac.padEnd(width, '0');
  const fy = y.frac.padEnd(width, '0');
  return fx === fy ? 0 : (fx < fy ? -1 : 1) * sign;
}

type Compare = (row: unknown, target: unknown) => number;

/** How one kind of column parses filter values and compares row values with them. */
interface KindRules {
  parse(text: string): unknown;
  compare: Compare;
  ordered: boolean;
}

const byOrder = <T>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

const instant = (text: string): number => {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new FilterError(`${JSON.stringify(text)} is not a timestamp (ISO 8601, e.g. 2024-01-02T03:04:05Z)`);
  return ms;
};

const KINDS: Partial<Record<ValueKind | 'numeric', KindRules>> = {
  number: {
    parse: (text) => {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) throw new FilterError(`${JSON.stringify(text)} is not a number`);
      return value;
    },
    compare: (row, target) => byOrder(Number(row), target as number),
    ordered: true,
  },
  bigint: {
    parse: (text) => {
      if (!/^[+-]?\d+$/.test(text.trim())) throw new FilterError(`${JSON.stringify(text)} is not an integer`);
      return BigInt(text.trim());
    },
    compare: (row, target) => byOrder(BigInt(typeof row === 'number' ? Math.trunc(row) : String(row)), target as bigint),
    ordered: true,
  },
  numeric: {
    parse: (text) => {
      compareDecimal(text, '0');
      return text;
    },
    compare: (row, target) => compareDecimal(String(row), target as string),
    ordered: true,
  },
  boolean: {
    parse: (text) => {
      if (text !== 'true' && text !== 'false') throw new FilterError(`${JSON.stringify(text)} is not a boolean (true or false)`);
      return text === 'true';
    },
    compare: (row, target) => (row === target ? 0 : 1),
    ordered: false,
  },
  timestamp: { parse: instant, compare: (row, target) => byOrder(instant(String(row)), target as number), ordered: true },
  string: { parse: (text) => text, compare: (row, target) => byOrder(String(row), target as string), ordered: true },
};

/** Numeric is text on the wire but compares as a decimal. */
function kindOf(column: TableColumn): ValueKind | 'numeric' {
  return column.typeOid === 1700 ? 'numeric' : valueKind(column.typeOid);
}

export type RowPredicate = (row: Record<string, unknown>) => boolean | undefined;

/** Compiles filters that must all hold: false when one fails, undefined when one cannot tell. */
export function compileFilters(specs: readonly FilterSpec[], columns: readonly TableColumn[]): RowPredicate {
  const predicates = specs.map((spec) => compileFilter(spec, columns));
  return (row) => {
    let known = true;
    for (const predicate of predicates) {
      const answer = predicate(row);
      if (answer === false) return false;
      if (answer === undefined) known = false;
    }
    return known ? true : undefined;
  };
}

/**
 * Checks `spec` against the table's columns and compiles it. The predicate answers undefined
 * when the row does not hold the column (a DELETE's key-only old row, an unchanged TOAST value).
 */
export function compileFilter(spec: FilterSpec, columns: readonly TableColumn[]): RowPredicate {
  const column = columns.find((c) => c.name === spec.column);
  if (!column) throw new FilterError(`unknown column ${JSON.stringify(spec.column)} (columns: ${columns.map((c) => c.name).join(', ')})`);
  const kind = kindOf(column);
  const rules = KINDS[kind];
  if (!rules) throw new FilterError(`column ${spec.column} is ${kind}: filters compare scalar columns only`);
  if (!rules.ordered && spec.op !== 'eq' && spec.op !== 'neq' && spec.op !== 'in') {
    throw new FilterError(`column ${spec.column} is ${kind}: only eq, neq and in apply`);
  }
  const parse = (text: string): unknown => {
    try {
      return rules.parse(text);
    } catch (error) {
      throw new FilterError(`filter on ${spec.column} (${kind}): ${(error as Error).message}`);
    }
  };
  const name = spec.column;
  const test = (row: Record<string, unknown>, check: (value: unknown) => boolean): boolean | undefined => {
    if (!(name in row)) return undefined;
    const value = row[name];
    return value === null || value === undefined ? false : check(value);
  };
  if (spec.op === 'in') {
    const targets = (Array.isArray(spec.value) ? spec.value : [spec.value]).map(parse);
    return (row) => test(row, (value) => targets.some((target) => rules.compare(value, target) === 0));
  }
  const target = parse(String(spec.value));
  const accept: Record<Exclude<FilterOp, 'in'>, (order: number) => boolean> = {
    eq: (order) => order === 0,
    neq: (order) => order !== 0,
    lt: (order) => order < 0,
    lte: (order) => order <= 0,
    gt: (order) => order > 0,
    gte: (order) => order >= 0,
  };
  const ok = accept[spec.op];
  return (row) => test(row, (value) => ok(rules.compare(value, target)));
}
