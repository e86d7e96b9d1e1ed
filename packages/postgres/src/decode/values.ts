/**
 * @module decode/values
 * Column values from their text form (what pgoutput sends) to JSON values, by type OID:
 * integers as numbers, bigint as a string (or a number, by option), numeric as a string (no
 * precision lost), bool, json/jsonb parsed, timestamps as ISO 8601, one-dimensional and nested
 * arrays of those. A type not listed stays the text Postgres sent (enums, domains over other
 * types, ranges, geometric types...), so nothing is lost.
 */

export interface ValueOptions {
  /** How int8 (bigint) columns arrive: 'string' keeps every digit, 'number' may round past 2^53. @default 'string' */
  bigint?: 'string' | 'number';
}

type Scalar = (text: string, options: ValueOptions) => unknown;

const asText: Scalar = (text) => text;
const asInteger: Scalar = (text) => Number.parseInt(text, 10);
const asBool: Scalar = (text) => text === 't';
const asJson: Scalar = (text) => JSON.parse(text) as unknown;
const asBigint: Scalar = (text, options) => (options.bigint === 'number' ? Number(text) : text);
// JSON has no NaN or Infinity: they stay strings ('NaN', 'Infinity', '-Infinity').
const asFloat: Scalar = (text) => {
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
};

/** `2024-01-02 03:04:05.123456+00` (DateStyle ISO, TimeZone UTC) → `2024-01-02T03:04:05.123456Z`. */
const asTimestamptz: Scalar = (text) => {
  if (text === 'infinity' || text === '-infinity') return text;
  return text.replace(' ', 'T').replace(/\+00(:00)?$/, 'Z');
};
const asTimestamp: Scalar = (text) => (text === 'infinity' || text === '-infinity' ? text : text.replace(' ', 'T'));

/** Scalar types by OID (pg_type.oid; fixed for built-in types). */
const SCALARS = new Map<number, Scalar>([
  [16, asBool],
  [20, asBigint],
  [21, asInteger],
  [23, asInteger],
  [26, asInteger],
  [700, asFloat],
  [701, asFloat],
  [1700, asText], // numeric
  [114, asJson],
  [3802, asJson],
  [1184, asTimestamptz],
  [1114, asTimestamp],
]);

/** Array types by OID → the OID of their element. */
const ARRAYS = new Map<number, number>([
  [1000, 16],
  [1016, 20],
  [1005, 21],
  [1007, 23],
  [1028, 26],
  [1021, 700],
  [1022, 701],
  [1231, 1700],
  [199, 114],
  [3807, 3802],
  [1185, 1184],
  [1115, 1114],
  [1009, 25], // text[]
  [1015, 1043], // varchar[]
  [1014, 1042], // bpchar[]
  [2951, 2950], // uuid[]
  [1182, 1082], // date[]
]);

/** JSON type category of a column, as filters see it. */
export type ValueKind = 'number' | 'bigint' | 'string' | 'boolean' | 'json' | 'timestamp' | 'array';

/** What kind of JSON value a column of `typeOid` holds. */
export function valueKind(typeOid: number): ValueKind {
  if (ARRAYS.has(typeOid)) return 'array';
  switch (typeOid) {
    case 16:
      return 'boolean';
    case 20:
      return 'bigint';
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
      return 'number';
    case 114:
    case 3802:
      return 'json';
    case 1184:
    case 1114:
      return 'timestamp';
    default:
      return 'string';
  }
}

/**
 * Parses a Postgres array literal (`{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`) into nested
 * arrays of element texts (null for NULL), for `element` to type. Throws a TypeError when
 * malformed.
 */
export function parseArrayLiteral(text: string, element: (item: string) => unknown): unknown[] {
  let at = 0;
  // A leading dimension decoration (`[0:1]={...}`) is skipped: the values are what matter.
  if (text.startsWith('[')) {
    const eq = text.indexOf('=');
    if (eq < 0) throw new TypeError(`malformed array literal: ${text}`);
    at = eq + 1;
  }
  const fail = (): never => {
    throw new TypeError(`malformed array literal at ${at}: ${text}`);
  };
  const parseList = (): unknown[] => {
    if (text[at] !== '{') fail();
    at++;
    const items: unknown[] = [];
    if (text[at] === '}') {
      at++;
      return items;
    }
    for (;;) {
      if (text[at] === '{') items.push(parseList());
      else if (text[at] === '"') {
        at++;
        let item = '';
        while (at < text.length && text[at] !== '"') {
          if (text[at] === '\\') at++;
          item += text[at++] ?? '';
        }
        if (text[at] !== '"') fail();
        at++;
        items.push(element(item));
      } else {
        const start = at;
        while (at < text.length && text[at] !== ',' && text[at] !== '}') at++;
        const item = text.slice(start, at).trim();
        if (item === '') fail();
        items.push(item === 'NULL' ? null : element(item));
      }
      if (text[at] === ',') at++;
      else if (text[at] === '}') {
        at++;
        return items;
      } else fail();
    }
  };
  const out = parseList();
  if (at !== text.length) fail();
  return out;
}

/** The JSON value of one column's text. */
export function parseValue(text: string, typeOid: number, options: ValueOptions = {}): unknown {
  const elementOid = ARRAYS.get(typeOid);
  if (elementOid !== undefined) {
    const scalar = SCALARS.get(elementOid) ?? asText;
    return parseArrayLiteral(text, (item) => scalar(item, options));
  }
  return (SCALARS.get(typeOid) ?? asText)(text, options);
}
