/**
 * Output building blocks: aligned tables for humans, one JSON document for `--json`, and
 * one-line renderings of arbitrary values (DOWN reasons, errors) that can never spill onto a
 * second line or throw.
 */

/** Prints `rows` under `headers`, columns aligned with two spaces, the last column unpadded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `--json`: the raw value as one JSON document (undefined becomes null). */
export function json(value: unknown): string {
  return `${JSON.stringify(value ?? null, null, 2)}\n`;
}

/**
 * Replaces control characters (newlines included, C1 too) so that a value from the wire stays on
 * one line, and drops bidirectional overrides, with which a name from another node could make a
 * table read other than it is.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').replace(/\s*[\u0000-\u001f\u007f-\u009f]+\s*/g, ' ').trim();
}

/** A short one-line text for any value: strings as they are, the rest as compact JSON. */
export function brief(value: unknown): string {
  if (typeof value === 'string') return oneLine(value);
  if (value === undefined) return '';
  try {
    return oneLine(JSON.stringify(value) ?? String(value));
  } catch {
    return oneLine(String(value));
  }
}

/**
 * A DOWN reason as a word: `noconnection`, `normal`, `killed`, … A reason may arrive as a
 * string, as an error (`{ code, message }`) or as another value; errors show their code.
 */
export function reasonText(reason: unknown): string {
  if (typeof reason === 'string') return oneLine(reason) || '""';
  if (typeof reason === 'object' && reason !== null) {
    const { code, message } = reason as Record<string, unknown>;
    if (typeof code === 'string') return typeof message === 'string' && message && message !== code ? `${oneLine(code)} (${oneLine(message)})` : oneLine(code);
  }
  return brief(reason) || 'undefined';
}

/** A duration in ms as `1h 2m`, `3m 4s`, `5.6 s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(1)} s`;
  const [d, h, m, s] = [Math.floor(seconds / 86400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
}

/** A round-trip time in ms, or `-` while unmeasured. */
export function rtt(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '-';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`;
}

/** An optional cell: `-` when absent. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  return brief(value);
}

const MAX_SCHEMA_DEPTH = 4;

/**
 * A JSON Schema (as `describe` reports arguments and results) as a compact type:
 * `{ by: number, label?: string }`, `string[]`, `"a" | "b"`, `bytes`, `any`.
 */
export function schemaText(schema: unknown, depth = 0): string {
  if (typeof schema !== 'object' || schema === null) return 'any';
  if (depth > MAX_SCHEMA_DEPTH) return '…';
  const s = schema as Record<string, unknown>;
  const inner = (child: unknown) => schemaText(child, depth + 1);
  if ('const' in s) return brief(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((value) => brief(value)).join(' | ');
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[key])) return (s[key] as unknown[]).map(inner).join(' | ');
  }
  if (Array.isArray(s.allOf)) return (s.allOf as unknown[]).map(inner).join(' & ');
  if (s.format === 'bytes') return 'bytes';
  if (Array.isArray(s.type)) return s.type.map((type) => inner({ ...s, type })).join(' | ');
  switch (s.type) {
    case 'object': {
      const properties = typeof s.properties === 'object' && s.properties !== null ? (s.properties as Record<string, unknown>) : {};
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      const fields = Object.entries(properties).map(([name, value]) => `${name}${required.has(name) ? '' : '?'}: ${inner(value)}`);
      if (fields.length === 0) return typeof s.additionalProperties === 'object' ? `{ [key]: ${inner(s.additionalProperties)} }` : '{}';
      return `{ ${fields.join(', ')} }`;
    }
    case 'array': {
      if (Array.isArray(s.items)) return `[${(s.items as unknown[]).map(inner).join(', ')}]`;
      const item = inner(s.items);
      return item.includes(' ') ? `(${item})[]` : `${item}[]`;
    }
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return s.type;
    default:
      return 'any';
  }
}

/** Bytes for people: 0 B, 12.3 KiB, 4.0 GiB. */
export function sizeText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
