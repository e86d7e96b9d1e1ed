import { describe, expect, it } from 'vitest';
import { describeIssues, isStandardSchema } from './standard-schema.js';

describe('isStandardSchema', () => {
  it('accepts an object with ~standard version 1 and a validate function, and nothing else', () => {
    const validate = (value: unknown) => ({ value });
    expect(isStandardSchema({ '~standard': { version: 1, vendor: 'x', validate } })).toBe(true);
    expect(isStandardSchema(Object.assign(() => {}, { '~standard': { version: 1, vendor: 'x', validate } }))).toBe(true);
    expect(isStandardSchema({ '~standard': { version: 2, vendor: 'x', validate } })).toBe(false);
    expect(isStandardSchema({ '~standard': { version: 1, vendor: 'x' } })).toBe(false);
    expect(isStandardSchema({ parse: validate })).toBe(false);
    expect(isStandardSchema(null)).toBe(false);
  });
});

describe('describeIssues', () => {
  it('writes each issue with its path, keys and segments alike', () => {
    expect(
      describeIssues([
        { message: 'Too small', path: ['text'] },
        { message: 'Expected number', path: [{ key: 'items' }, 0, 'price'] },
        { message: 'Invalid input' },
      ]),
    ).toBe('text: Too small; items.0.price: Expected number; Invalid input');
  });
});
