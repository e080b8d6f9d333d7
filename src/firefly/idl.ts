import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Firefly IDL: an interface is declared once, in TypeScript, with Standard Schema validators
 * (valibot is the house choice; zod, arktype and others work too). The same declaration gives
 * the static types of handlers and callers and validates untrusted input at run time.
 */

/** Any Standard Schema validator. */
export type Schema = StandardSchemaV1;

/** A request/response member: `args → result`. */
export interface MethodSpec<A extends Schema = Schema, R extends Schema = Schema> {
  readonly kind: 'method';
  readonly args: A;
  readonly result: R;
  /** Validate the handler's result against `result` before replying (off by default: it costs a validation per call). */
  readonly validateResult: boolean;
  readonly description?: string;
  readonly access?: MemberAccessLevel;
  readonly paths?: readonly string[];
}

/** A one-way member: `args`, no reply. */
export interface CastSpec<A extends Schema = Schema> {
  readonly kind: 'cast';
  readonly args: A;
  readonly description?: string;
  readonly access?: MemberAccessLevel;
  readonly paths?: readonly string[];
}

/** A server stream: `args → item*`, with credit-based flow control. */
export interface StreamSpec<A extends Schema = Schema, I extends Schema = Schema> {
  readonly kind: 'stream';
  readonly args: A;
  readonly item: I;
  readonly description?: string;
  readonly access?: MemberAccessLevel;
  readonly paths?: readonly string[];
}

/** Any member of an interface. */
export type MemberSpec = MethodSpec | CastSpec | StreamSpec;

/** The members of an interface, by name. */
export type Members = Record<string, MemberSpec>;

/** A versioned interface: `glow.FileSystem/1`. */
export interface InterfaceDef<Id extends string = string, M extends Members = Members> {
  readonly id: Id;
  readonly members: M;
}

/**
 * What a member does to its resource, for grants: `read` members only look (a read grant allows
 * them), `write` members change something (the default: a member not marked is never read-only).
 */
export type MemberAccessLevel = 'read' | 'write';

/** Options of a member declaration. */
export interface MemberOptions {
  /** Human description, exported by `describe`. */
  description?: string;
  /**
   * Whether the member only reads (see {@link MemberAccessLevel}).
   * @default 'write'
   */
  access?: MemberAccessLevel;
  /**
   * Argument fields that are paths inside the resource, for grants limited to a path prefix
   * (`['path']`, `['from', 'to']`).
   * @default none
   */
  paths?: readonly string[];
  /**
   * Methods only: validate results against the result schema before replying.
   * @default false
   */
  validateResult?: boolean;
}

function grantOptions(options: MemberOptions): { access?: MemberAccessLevel; paths?: readonly string[] } {
  return { ...(options.access ? { access: options.access } : {}), ...(options.paths ? { paths: [...options.paths] } : {}) };
}

/** Declares a method. */
export function method<A extends Schema, R extends Schema>(args: A, result: R, options: MemberOptions = {}): MethodSpec<A, R> {
  return { kind: 'method', args, result, validateResult: options.validateResult ?? false, description: options.description, ...grantOptions(options) };
}

/** Declares a cast (one-way message). */
export function cast<A extends Schema>(args: A, options: MemberOptions = {}): CastSpec<A> {
  return { kind: 'cast', args, description: options.description, ...grantOptions(options) };
}

/** Declares a server stream. */
export function stream<A extends Schema, I extends Schema>(args: A, item: I, options: MemberOptions = {}): StreamSpec<A, I> {
  return { kind: 'stream', args, item, description: options.description, ...grantOptions(options) };
}

/** Member names every resource answers itself; an interface may not declare them. */
export const RESERVED_MEMBERS: ReadonlySet<string> = new Set(['describe']);

const INTERFACE_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,127}\/[1-9][0-9]{0,5}$/;
const MEMBER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Declares an interface. The id is versioned (`name/major`); member names are identifiers.
 * @throws TypeError on a malformed id, member name or a reserved member.
 */
export function defineInterface<const Id extends string, const M extends Members>(id: Id, members: M): InterfaceDef<Id, M> {
  if (!INTERFACE_ID.test(id)) throw new TypeError(`interface id must look like "glow.Name/1": ${id}`);
  for (const name of Object.keys(members)) {
    if (!MEMBER_NAME.test(name)) throw new TypeError(`${id}: member name ${JSON.stringify(name)} is not an identifier`);
    if (RESERVED_MEMBERS.has(name)) throw new TypeError(`${id}: member name ${name} is reserved`);
    // Assigning it to a plain object sets the prototype (describe would lose the member and
    // inherit the member's fields), and cbor-x renames the key, so it cannot be described.
    if (name === '__proto__') throw new TypeError(`${id}: member name __proto__ is not allowed`);
  }
  // A null-prototype copy: members are later looked up by names that arrive from the wire.
  const table = Object.freeze(Object.assign(Object.create(null) as M, members));
  return Object.freeze({ id, members: table });
}

/** Looks up a member by an untrusted name: own properties only, never anything inherited. */
export function findMember(iface: InterfaceDef, name: string): MemberSpec | undefined {
  return Object.hasOwn(iface.members, name) ? iface.members[name] : undefined;
}

type In<S extends Schema> = StandardSchemaV1.InferInput<S>;
type Out<S extends Schema> = StandardSchemaV1.InferOutput<S>;

/** Names of an interface's methods. */
export type MethodName<I extends InterfaceDef> = {
  [K in keyof I['members']]: I['members'][K] extends MethodSpec ? K : never;
}[keyof I['members']] & string;
/** Names of an interface's casts. */
export type CastName<I extends InterfaceDef> = {
  [K in keyof I['members']]: I['members'][K] extends CastSpec ? K : never;
}[keyof I['members']] & string;
/** Names of an interface's streams. */
export type StreamName<I extends InterfaceDef> = {
  [K in keyof I['members']]: I['members'][K] extends StreamSpec ? K : never;
}[keyof I['members']] & string;

/** What a caller passes to member `K`. */
export type ArgsOf<I extends InterfaceDef, K extends keyof I['members']> = In<I['members'][K]['args']>;
/** What a handler of member `K` receives (after validation). */
export type ParsedArgsOf<I extends InterfaceDef, K extends keyof I['members']> = Out<I['members'][K]['args']>;
/** What a caller of method `K` gets back. */
export type ResultOf<I extends InterfaceDef, K extends keyof I['members']> =
  I['members'][K] extends MethodSpec<Schema, infer R> ? Out<R> : never;
/** What a handler of method `K` returns. */
export type ReturnOf<I extends InterfaceDef, K extends keyof I['members']> =
  I['members'][K] extends MethodSpec<Schema, infer R> ? In<R> : never;
/** What a subscriber of stream `K` receives. */
export type ItemOf<I extends InterfaceDef, K extends keyof I['members']> =
  I['members'][K] extends StreamSpec<Schema, infer T> ? Out<T> : never;
/** What a handler of stream `K` yields. */
export type YieldOf<I extends InterfaceDef, K extends keyof I['members']> =
  I['members'][K] extends StreamSpec<Schema, infer T> ? In<T> : never;
