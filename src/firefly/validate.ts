import type { StandardSchemaV1 } from '@standard-schema/spec';
import { GlowError } from './errors.js';
import type { Schema } from './idl.js';

/** One validation issue, as plain data for the wire. */
export interface WireIssue {
  message: string;
  path?: (string | number)[];
}

function toWireIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): WireIssue[] {
  return issues.slice(0, 32).map((issue) => {
    const path = issue.path?.map((segment) => {
      const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
      return typeof key === 'number' ? key : String(key);
    });
    return path && path.length > 0 ? { message: issue.message, path } : { message: issue.message };
  });
}

function settle<T>(result: StandardSchemaV1.Result<unknown>, what: string): T {
  if (result.issues) {
    throw new GlowError('badarg', `${what} do not match the schema: ${result.issues[0]?.message ?? 'invalid'}`, {
      issues: toWireIssues(result.issues),
    });
  }
  return result.value as T;
}

/**
 * Validates `value` against a Standard Schema. Returns the parsed value synchronously when the
 * validator is synchronous (the common case, and the hot path), a Promise when it is async.
 * Failure is a `badarg` GlowError whose details list the issues.
 */
export function validate<T = unknown>(schema: Schema, value: unknown, what = 'arguments'): T | Promise<T> {
  const result = schema['~standard'].validate(value);
  // Not `instanceof Promise`: a promise from another realm (Node's own, an iframe's, a vm
  // context's) would fail that test and be read as a result without issues, i.e. a success.
  if (typeof (result as Partial<PromiseLike<unknown>>).then === 'function') {
    return Promise.resolve(result).then((settled) => settle<T>(settled, what));
  }
  return settle<T>(result as StandardSchemaV1.Result<unknown>, what);
}
