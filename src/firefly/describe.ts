import { toJsonSchema } from '@valibot/to-json-schema';
import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import type { InterfaceDef, MemberSpec, Schema } from './idl.js';

/** JSON Schema, as plain data. */
export type JsonSchema = Record<string, unknown>;

/** A member as `describe` reports it. */
export interface MemberDescription {
  kind: MemberSpec['kind'];
  args: JsonSchema;
  /** Methods only. */
  result?: JsonSchema;
  /** Streams only. */
  item?: JsonSchema;
  description?: string;
}

/** What every resource answers to `describe`: enough for a generic client to call it. */
export interface InterfaceDescription {
  interface: string;
  members: Record<string, MemberDescription>;
}

// JSON has no bigint and no bytes; say what they are so a generic client can build them.
function overrideValibot(context: { valibotSchema: { type: string; class?: unknown } }): JsonSchema | undefined {
  const schema = context.valibotSchema;
  if (schema.type === 'bigint') return { type: 'integer', format: 'int64' };
  if (schema.type === 'instance' && schema.class === Uint8Array) return { type: 'string', contentEncoding: 'base64', format: 'bytes' };
  return undefined;
}

/** JSON Schema for one validator: valibot's converter, a Standard JSON Schema, or `{}` (any). */
export function jsonSchemaOf(schema: Schema): JsonSchema {
  const standard = schema['~standard'] as StandardSchemaV1Props;
  try {
    if (standard.vendor === 'valibot') {
      return toJsonSchema(schema as Parameters<typeof toJsonSchema>[0], {
        errorMode: 'ignore',
        overrideSchema: overrideValibot as never,
      }) as JsonSchema;
    }
    if (standard.jsonSchema) return standard.jsonSchema.input({ target: 'draft-07' });
  } catch {
    // A validator that cannot express itself as JSON Schema is described as "any value".
  }
  return { description: `${standard.vendor} schema (no JSON Schema available)` };
}

type StandardSchemaV1Props = Schema['~standard'] & { jsonSchema?: StandardJSONSchemaV1.Converter };

const cache = new WeakMap<InterfaceDef, InterfaceDescription>();

/** The `describe` answer for an interface (computed once per interface). */
export function describeInterface(iface: InterfaceDef): InterfaceDescription {
  let description = cache.get(iface);
  if (description) return description;
  const members: Record<string, MemberDescription> = {};
  for (const [name, spec] of Object.entries(iface.members)) {
    const entry: MemberDescription = { kind: spec.kind, args: jsonSchemaOf(spec.args) };
    if (spec.kind === 'method') entry.result = jsonSchemaOf(spec.result);
    if (spec.kind === 'stream') entry.item = jsonSchemaOf(spec.item);
    if (spec.description) entry.description = spec.description;
    members[name] = entry;
  }
  description = { interface: iface.id, members };
  cache.set(iface, description);
  return description;
}
