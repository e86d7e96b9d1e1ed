/**
 * @module standard-schema
 * The Standard Schema interface (standardschema.dev, version 1), written out here as types
 * only: what zod, valibot, arktype and others expose under `~standard`. relais validates with
 * any of them and depends on none.
 */

/** Where an issue is, one key per level (a number for an array index). */
export interface StandardPathSegment {
  readonly key: PropertyKey;
}

/** One reason a value does not match. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | StandardPathSegment> | undefined;
}

/** `value` (the schema's output: defaults applied, unknown keys stripped, …) or `issues`. */
export type StandardResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

/** A schema in the Standard Schema sense: anything with this `~standard` property. */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    /** The library, e.g. `zod`. */
    readonly vendor: string;
    /** Checks `value`; may be asynchronous. Never throws for a value that does not match. */
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    /** Present for type inference only. */
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The type a schema accepts. */
export type InferInput<S extends StandardSchema> = NonNullable<S['~standard']['types']>['input'];

/** The type a schema produces. */
export type InferOutput<S extends StandardSchema> = NonNullable<S['~standard']['types']>['output'];

/** Whether `value` looks like a Standard Schema (version 1, with a validate function). */
export function isStandardSchema(value: unknown): value is StandardSchema {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && props.version === 1 && typeof props.validate === 'function';
}

/** The issues as one line: `text: Too small; nonce: Invalid string`. */
export function describeIssues(issues: ReadonlyArray<StandardIssue>): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}
