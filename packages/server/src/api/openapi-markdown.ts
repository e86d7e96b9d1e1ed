/**
 * @module api/openapi-markdown
 * Renders the method reference of docs/api.md from the method docs of the OpenAPI document,
 * so that the page and the document cannot disagree (checked by docs-api.test.ts).
 */
import type { MethodDoc, Schema } from './openapi-methods.js';

function typeOf(schema: Schema): string {
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() as string;
  if (schema.type === 'array') return `${typeOf((schema.items as Schema | undefined) ?? {})}[]`;
  if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object')
    return `map of ${typeOf(schema.additionalProperties as Schema)}`;
  if (typeof schema.type === 'string') return schema.type;
  return 'any JSON';
}

function limits(schema: Schema): string {
  const parts: string[] = [];
  if (typeof schema.minimum === 'number' && typeof schema.maximum === 'number') parts.push(`${schema.minimum}–${schema.maximum}`);
  else if (typeof schema.minimum === 'number') parts.push(`≥ ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === 'number') parts.push(`> ${schema.exclusiveMinimum}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function fieldsTable(properties: Record<string, Schema>, required: readonly string[]): string {
  const rows = Object.entries(properties).map(
    ([name, schema]) =>
      `| \`${name}\` | ${typeOf(schema)}${limits(schema)} | ${required.includes(name) ? 'yes' : 'no'} | ${cell(String(schema.description ?? ''))} |`,
  );
  return ['| field | type | required | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function method(name: string, doc: MethodDoc): string {
  const { properties, required = [], oneOf } = doc.params;
  const result = doc.result as { properties?: Record<string, Schema>; required?: string[] };
  const parts = [
    `### \`${name}\``,
    '',
    `${doc.summary}.${doc.cluster ? ' Acts on every node of the cluster.' : ''} ${doc.description}`,
    '',
  ];
  if (Object.keys(properties).length > 0) {
    parts.push(fieldsTable(properties, required), '');
    if (oneOf) parts.push('Give exactly one of `user` and `client`.', '');
  } else {
    parts.push('No params: the body may be empty or `{}`.', '');
  }
  if (result.properties && Object.keys(result.properties).length > 0)
    parts.push(
      `Result: ${Object.entries(result.properties)
        .map(([field, schema]) => `\`${field}\` (${typeOf(schema)})`)
        .join(', ')}.`,
      '',
    );
  else parts.push('Result: `{}`.', '');
  parts.push(
    '```sh',
    `curl -s http://localhost:8080/api/${name} -H "X-API-Key: $RELAIS_API_KEY" \\`,
    `  -d '${JSON.stringify(doc.example.params)}'`,
    '```',
    '',
    '```json',
    JSON.stringify({ result: doc.example.result }),
    '```',
  );
  return parts.join('\n');
}

/** The method reference: one section per method, in the order of `docs`. */
export function renderMethodReference(docs: Readonly<Record<string, MethodDoc>>): string {
  return Object.entries(docs)
    .map(([name, doc]) => method(name, doc))
    .join('\n\n');
}
