/**
 * Parsers for the CLI's option and argument values. Each throws commander's
 * `InvalidArgumentError`, which commander turns into a one-line usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';

/** A `HOST:PORT` address (`[v6]:PORT` for IPv6). */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` or `[V6]:PORT`; port 0 means "pick a free one". */
export function parseHostPort(text: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new InvalidArgumentError(`expected HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: match[1] ?? match[2]!, port };
}

/** Parses a JSON document given on the command line (ARGS_JSON). */
export function parseJsonArgument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // JSON.parse messages name the position; they fit on one line.
    throw new InvalidArgumentError(`malformed JSON: ${(error as Error).message}`);
  }
}

/** Parses a duration in milliseconds: a positive integer. */
export function parseMilliseconds(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a positive number of milliseconds, got ${JSON.stringify(text)}`);
  }
  return value;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Parses a human duration (`90s`, `10m`, `12h`, `7d`, `2w`) into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(text);
  if (!match || Number(match[1]) === 0) throw new InvalidArgumentError(`expected a duration such as 10m, 12h or 7d, got ${JSON.stringify(text)}`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** Parses a count or an offset: a non-negative integer. */
export function parseCount(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Parses an absolute URL with one of `protocols` (e.g. `['ws:', 'wss:']`). */
export function urlParser(protocols: readonly string[]): (text: string) => string {
  return (text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new InvalidArgumentError(`expected a URL, got ${JSON.stringify(text)}`);
    }
    if (!protocols.includes(url.protocol)) {
      throw new InvalidArgumentError(`expected a ${protocols.join(' or ')} URL, got ${JSON.stringify(text)}`);
    }
    return text;
  };
}

/** A repeatable option's parser: each occurrence is parsed by `parse` and appended. */
export function repeatable<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return (text, previous) => [...(previous ?? []), parse(text)];
}

/** Parses a non-empty string that holds no control characters (names, kinds, refs). */
export function parseName(text: string): string {
  return checkedName(text);
}

/**
 * A node id as the CLI takes it: the id itself, or `glow://ID`. A node id may begin with `-`
 * (base64url), which an option parser reads as an option; {@link shieldNodeIds} turns such
 * arguments into the `glow://` form before parsing, and this turns them back.
 */
export function parseNode(text: string): string {
  return checkedName(text.startsWith(NODE_SCHEME) && !text.slice(NODE_SCHEME.length).includes('/') ? text.slice(NODE_SCHEME.length) : text);
}

const NODE_SCHEME = 'glow://';

/** Arguments that are whole node ids beginning with `-`, in the `glow://` form {@link parseNode} reads. */
export function shieldNodeIds(argv: readonly string[]): string[] {
  return argv.map((arg) => (/^-[A-Za-z0-9_-]{42}$/.test(arg) ? `${NODE_SCHEME}${arg}` : arg));
}

function checkedName(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (text.length === 0 || /[\u0000-\u001f\u007f]/.test(text)) {
    throw new InvalidArgumentError(`expected a non-empty name without control characters, got ${JSON.stringify(text)}`);
  }
  return text;
}
