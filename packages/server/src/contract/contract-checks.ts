/**
 * @module contract/contract-checks
 * The `contract` option (a typed contract of @relais/protocol, declared with any Standard
 * Schema library): checked once, then asked per publish and per RPC for the schema that applies,
 * and the validation that refuses a value with 107 and the schema's message.
 */
import {
  ERROR_CODES,
  ReplyError,
  describeIssues,
  isStandardSchema,
  namespaceOf,
  type Contract,
  type StandardSchema,
} from '@relais/protocol';
import type { NamespaceRules } from '../channels.js';
import { OptionsError, isRecord, rejectUnknownKeys } from '../option-checks.js';

/** The schemas of one namespace: by event, and for publishes of no (listed) event. */
interface NamespaceSchemas {
  publication: StandardSchema | undefined;
  events: ReadonlyMap<string, StandardSchema>;
}

/** The schemas of the `contract` option, by namespace and by RPC method. */
export class ContractSchemas {
  readonly #namespaces: ReadonlyMap<string, NamespaceSchemas>;
  readonly #rpcInputs: ReadonlyMap<string, StandardSchema>;
  readonly #rpcOutputs: ReadonlyMap<string, StandardSchema>;

  constructor(
    namespaces: ReadonlyMap<string, NamespaceSchemas> = new Map(),
    rpcInputs: ReadonlyMap<string, StandardSchema> = new Map(),
    rpcOutputs: ReadonlyMap<string, StandardSchema> = new Map(),
  ) {
    this.#namespaces = namespaces;
    this.#rpcInputs = rpcInputs;
    this.#rpcOutputs = rpcOutputs;
  }

  /**
   * The schema of a publish on `channel` with `event`: undefined when its namespace declares
   * none; a ReplyError 107 when it declares some but none covers this event.
   */
  publication(channel: string, event: string | undefined): StandardSchema | ReplyError | undefined {
    if (this.#namespaces.size === 0) return undefined;
    const schemas = this.#namespaces.get(namespaceOf(channel));
    if (!schemas) return undefined;
    const schema = (event === undefined ? undefined : schemas.events.get(event)) ?? schemas.publication;
    if (schema) return schema;
    const listed = [...schemas.events.keys()].map((name) => JSON.stringify(name)).join(', ');
    return new ReplyError(
      ERROR_CODES.BAD_REQUEST,
      event === undefined
        ? `publish needs an event here: one of ${listed}`
        : `event ${JSON.stringify(event.slice(0, 64))} is not one of ${listed}`,
    );
  }

  /** The schema of RPC `method`'s data, if it declares one. */
  rpcInput(method: string): StandardSchema | undefined {
    return this.#rpcInputs.size === 0 ? undefined : this.#rpcInputs.get(method);
  }

  /** The schema of what RPC `method`'s handler returns, if it declares one. */
  rpcOutput(method: string): StandardSchema | undefined {
    return this.#rpcOutputs.size === 0 ? undefined : this.#rpcOutputs.get(method);
  }
}

function schemaAt(where: string, value: unknown): StandardSchema {
  if (!isStandardSchema(value)) {
    throw new OptionsError(`${where} must be a Standard Schema (an object with "~standard" version 1, e.g. a zod or valibot schema)`);
  }
  return value;
}

/**
 * Checks the `contract` option: every schema a Standard Schema, every namespace one the node
 * serves.
 */
export function resolveContract(contract: unknown, namespaces: NamespaceRules): ContractSchemas {
  if (contract === undefined) return new ContractSchemas();
  if (!isRecord(contract)) throw new OptionsError('option contract must be an object (see defineContract)');
  rejectUnknownKeys('option contract', contract, new Set(['channels', 'rpc']));
  const { channels = {}, rpc = {} } = contract as Contract;
  if (!isRecord(channels)) throw new OptionsError('option contract.channels must be an object');
  if (!isRecord(rpc)) throw new OptionsError('option contract.rpc must be an object');
  const byNamespace = new Map<string, NamespaceSchemas>();
  for (const [namespace, entry] of Object.entries(channels)) {
    const where = `option contract.channels[${JSON.stringify(namespace)}]`;
    if (namespaces.listed !== undefined && !namespaces.listed.has(namespace) && namespaces.others === undefined) {
      throw new OptionsError(`${where}: namespace ${JSON.stringify(namespace)} is not in option namespaces`);
    }
    if (!isRecord(entry)) throw new OptionsError(`${where} must be an object {publication?, events?}`);
    rejectUnknownKeys(where, entry, new Set(['publication', 'events']));
    const events = new Map<string, StandardSchema>();
    if (entry.events !== undefined) {
      if (!isRecord(entry.events)) throw new OptionsError(`${where}.events must be an object of schemas by event`);
      for (const [event, schema] of Object.entries(entry.events))
        events.set(event, schemaAt(`${where}.events[${JSON.stringify(event)}]`, schema));
    }
    const publication = entry.publication === undefined ? undefined : schemaAt(`${where}.publication`, entry.publication);
    if (!publication && events.size === 0) throw new OptionsError(`${where} declares no schema: give publication or events`);
    byNamespace.set(namespace, { publication, events });
  }
  const rpcInputs = new Map<string, StandardSchema>();
  const rpcOutputs = new Map<string, StandardSchema>();
  for (const [method, entry] of Object.entries(rpc)) {
    const where = `option contract.rpc[${JSON.stringify(method)}]`;
    if (!isRecord(entry)) throw new OptionsError(`${where} must be an object {input?, output?}`);
    rejectUnknownKeys(where, entry, new Set(['input', 'output']));
    if (entry.input !== undefined) rpcInputs.set(method, schemaAt(`${where}.input`, entry.input));
    if (entry.output !== undefined) rpcOutputs.set(method, schemaAt(`${where}.output`, entry.output));
  }
  return new ContractSchemas(byNamespace, rpcInputs, rpcOutputs);
}

/**
 * Validates client data against `schema`: resolves with the schema's output (defaults applied,
 * unknown keys stripped, as the library does), or rejects with 107 and the schema's messages.
 */
export async function validateData(schema: StandardSchema, data: unknown, what: string): Promise<unknown> {
  const result = await schema['~standard'].validate(data);
  if (result.issues !== undefined)
    throw new ReplyError(ERROR_CODES.BAD_REQUEST, `${what} does not match its schema: ${describeIssues(result.issues)}`);
  return result.value;
}
