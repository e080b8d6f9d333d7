/**
 * Type-level tests for the IDL: `npx tsc --noEmit -p .` is what runs them. Every
 * `@ts-expect-error` line must fail to type-check, and tsc fails if one of them compiles, so each
 * proves that a derived type is enforced. Jest only runs the trivial assertion at the end.
 */
import * as v from 'valibot';
import {
  cast,
  defineInterface,
  method,
  stream,
  type ArgsOf,
  type CastName,
  type ItemOf,
  type MethodName,
  type ParsedArgsOf,
  type ResultOf,
  type ReturnOf,
  type StreamName,
  type YieldOf,
} from '../../src/firefly/idl.js';
import { encodeValue } from '../../src/firefly/codec.js';
import { bytes, u64 } from '../../src/firefly/schemas.js';

const Files = defineInterface('glow.Files/1', {
  read: method(v.object({ path: v.string(), mode: v.optional(v.picklist(['r', 'w']), 'r') }), bytes),
  size: method(v.object({ path: v.string() }), v.pipe(v.string(), v.transform((text) => text.length))),
  touch: cast(v.object({ path: v.string() })),
  watch: stream(v.object({ path: v.string(), from: u64 }), v.object({ event: v.picklist(['add', 'change']) })),
});
type Files = typeof Files;

/** True when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

// Member names are split by kind.
assertType<Equal<MethodName<Files>, 'read' | 'size'>>();
assertType<Equal<CastName<Files>, 'touch'>>();
assertType<Equal<StreamName<Files>, 'watch'>>();
const _method: MethodName<Files> = 'read';
// @ts-expect-error a cast is not a method
const _castAsMethod: MethodName<Files> = 'touch';
// @ts-expect-error a stream is not a method
const _streamAsMethod: MethodName<Files> = 'watch';
// @ts-expect-error a method is not a stream
const _methodAsStream: StreamName<Files> = 'read';
// @ts-expect-error a stream is not a cast
const _streamAsCast: CastName<Files> = 'watch';
// @ts-expect-error an undeclared name is no member at all
const _undeclared: MethodName<Files> = 'delete';

// Arguments: what a caller passes (input) and what a handler receives (output).
assertType<Equal<ArgsOf<Files, 'read'>, { path: string; mode?: 'r' | 'w' | undefined }>>();
assertType<Equal<ParsedArgsOf<Files, 'read'>, { path: string; mode: 'r' | 'w' }>>();
const _args: ArgsOf<Files, 'read'> = { path: '/etc/hosts' };
// @ts-expect-error path must be a string
const _wrongArgType: ArgsOf<Files, 'read'> = { path: 5 };
// @ts-expect-error path is required
const _missingArg: ArgsOf<Files, 'read'> = { mode: 'r' };
// @ts-expect-error mode is one of 'r' | 'w'
const _wrongPick: ArgsOf<Files, 'read'> = { path: '/', mode: 'x' };
// @ts-expect-error a handler sees the default applied, so mode is never missing
const _parsedMissingDefault: ParsedArgsOf<Files, 'read'> = { path: '/' };
// u64 arguments take a number or a bigint, never text.
const _u64Number: ArgsOf<Files, 'watch'> = { path: '/', from: 5 };
const _u64Bigint: ArgsOf<Files, 'watch'> = { path: '/', from: 2n ** 60n };
// @ts-expect-error u64 is not text
const _u64Text: ArgsOf<Files, 'watch'> = { path: '/', from: '5' };
// @ts-expect-error ArgsOf only takes declared member names
type _UnknownMember = ArgsOf<Files, 'delete'>;

// Results: what a caller gets back (output) and what a handler returns (input).
assertType<Equal<ResultOf<Files, 'read'>, Uint8Array>>();
assertType<Equal<ResultOf<Files, 'size'>, number>>();
assertType<Equal<ReturnOf<Files, 'size'>, string>>();
// @ts-expect-error read gives bytes, not text
const _wrongResult: ResultOf<Files, 'read'> = 'text';
// @ts-expect-error a cast has no result
const _castResult: ResultOf<Files, 'touch'> = undefined;
// @ts-expect-error a stream has no result
const _streamResult: ResultOf<Files, 'watch'> = { event: 'add' };

// Stream items: what a subscriber receives and what a handler yields.
assertType<Equal<ItemOf<Files, 'watch'>, { event: 'add' | 'change' }>>();
assertType<Equal<YieldOf<Files, 'watch'>, { event: 'add' | 'change' }>>();
// @ts-expect-error 'delete' is not an event of watch
const _wrongItem: ItemOf<Files, 'watch'> = { event: 'delete' };
// @ts-expect-error a method has no items
const _methodItem: ItemOf<Files, 'read'> = new Uint8Array();

// A handler written against the derived types: tsc catches a wrongly typed implementation.
type Handler<K extends MethodName<Files>> = (args: ParsedArgsOf<Files, K>) => ReturnOf<Files, K>;
const _size: Handler<'size'> = ({ path }) => path;
// A byte-string result takes any Uint8Array: what encodeValue returns, a Buffer.
const _readEncoded: Handler<'read'> = ({ path }) => encodeValue(path);
const _readBuffer: Handler<'read'> = ({ path }) => Buffer.from(path);
// @ts-expect-error size's handler returns text (the schema turns it into a number)
const _sizeReturnsNumber: Handler<'size'> = ({ path }) => path.length;
// @ts-expect-error read's handler gets no `name` argument
const _readWrongArgs: Handler<'read'> = ({ name }) => new Uint8Array(name);

describe('IDL types', () => {
  it('are checked by tsc; at run time the interface keeps its id and members', () => {
    expect(Files.id).toBe('glow.Files/1');
    expect(Object.keys(Files.members)).toEqual(['read', 'size', 'touch', 'watch']);
    expect(_size({ path: 'abc' })).toBe('abc');
  });
});
