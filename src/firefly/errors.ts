/**
 * Glow's error model: every failure a caller can see is a {@link GlowError} whose `code` is one
 * of a fixed set. Codes are stable wire values; the README lists them in one table.
 */

/**
 * What each error code means. A null-prototype table: errors rebuilt from the wire are looked up
 * here by code, so a hostile `code` such as `constructor` or `__proto__` can never resolve to an
 * inherited property, and no wire-supplied class name is ever trusted.
 */
export const ERROR_CODES = Object.freeze(
  Object.assign(Object.create(null) as object, {
    timeout: 'no reply arrived within the call timeout',
    noconnection: 'the node that holds the resource cannot be reached',
    noproc: 'no resource with that id exists (or it ended before the message arrived)',
    nomethod: 'the resource has no method, cast or stream of that name',
    badarg: 'the arguments do not match the interface schema; details list the issues',
    busy: "the resource's mailbox is full; retry later",
    denied: 'the caller is not allowed to do this',
    crashed: 'the resource failed while handling the message (it is restarted by its supervisor)',
    badpacket: 'a packet could not be decoded, broke a receive limit, or has malformed fields',
    unsupported: 'an unknown protocol version, packet kind or error code',
    failed: 'the handler refused the request with an application error; details say why',
  } as const),
);

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error type callers see. `code` is stable; `message` is for humans; `details` is
 * JSON/CBOR-able data (validation issues, limits that were broken, …).
 */
export class GlowError extends Error {
  override readonly name = 'GlowError';
  constructor(
    /** The stable code (see {@link ERROR_CODES}). */
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code],
    /** Structured facts about the failure; plain data only. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** True when `value` is a {@link GlowError}, optionally of one code. */
export function isGlowError(value: unknown, code?: ErrorCode): value is GlowError {
  return value instanceof GlowError && (code === undefined || value.code === code);
}

/** The form an error takes inside a packet body. */
export interface WireError {
  code: string;
  message: string;
  details?: unknown;
}

/** Turns a {@link GlowError} into plain data for the wire. */
export function errorToWire(error: GlowError): WireError {
  return error.details === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, details: error.details };
}

/**
 * Rebuilds an error from untrusted wire data. Unknown codes become `unsupported` (a newer peer
 * may know codes we do not); anything that is not an error shape becomes `badpacket`.
 */
export function errorFromWire(value: unknown): GlowError {
  if (typeof value !== 'object' || value === null) {
    return new GlowError('badpacket', 'error body is not an object');
  }
  const { code, message, details } = value as Record<string, unknown>;
  if (typeof code !== 'string') return new GlowError('badpacket', 'error body has no code');
  const text = typeof message === 'string' ? message : undefined;
  if (!Object.hasOwn(ERROR_CODES, code)) {
    return new GlowError('unsupported', `unknown error code ${JSON.stringify(code.slice(0, 64))}`, {
      remoteCode: code.slice(0, 64),
      message: text,
    });
  }
  return new GlowError(code as ErrorCode, text, details);
}

/**
 * Wraps anything thrown into a {@link GlowError}: GlowErrors pass through, everything else
 * becomes `crashed` with the original message (never its stack: it would leak internals).
 */
export function toGlowError(error: unknown, fallback: ErrorCode = 'crashed'): GlowError {
  if (error instanceof GlowError) return error;
  return new GlowError(fallback, errorMessage(error));
}

/**
 * The message of anything thrown: an Error's `message`, anything else as a string. Never
 * throws: String() throws on null-prototype objects and on a hostile `toString`.
 */
export function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return 'a value that cannot be converted to a string was thrown';
  }
}
