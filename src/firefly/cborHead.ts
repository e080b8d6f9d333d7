/**
 * CBOR item heads (major type and argument) for the codec's fast paths: arguments up to
 * 2^32 − 1, written in the shortest form as cbor-x writes them. Longer arguments are left to
 * the general path.
 */

/** Bytes of a head carrying `n` (0 ≤ n < 2^32), or -1 when n is not such an integer. */
export function headSize(n: unknown): number {
  if (typeof n !== 'number' || !(n >= 0) || n > 0xffffffff || Math.floor(n) !== n) return -1;
  return n < 24 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
}

/** Writes the head of major type `major` carrying `n` at `at`; answers the offset after it. */
export function writeHead(out: Uint8Array, at: number, major: number, n: number): number {
  const type = major << 5;
  if (n < 24) {
    out[at] = type | n;
    return at + 1;
  }
  if (n <= 0xff) {
    out[at] = type | 24;
    out[at + 1] = n;
    return at + 2;
  }
  if (n <= 0xffff) {
    out[at] = type | 25;
    out[at + 1] = n >>> 8;
    out[at + 2] = n & 0xff;
    return at + 3;
  }
  out[at] = type | 26;
  out[at + 1] = n >>> 24;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 8) & 0xff;
  out[at + 4] = n & 0xff;
  return at + 5;
}

/** Bytes after a head byte whose additional info is `info`; -1 for 64-bit, reserved and indefinite. */
export function argumentBytes(info: number): number {
  return info < 24 ? 0 : info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : -1;
}

/** The argument of the head at `pos`, whose {@link argumentBytes} the caller made sure are there. */
export function readArgument(bytes: Uint8Array, pos: number): number {
  const info = bytes[pos]! & 31;
  if (info < 24) return info;
  if (info === 24) return bytes[pos + 1]!;
  if (info === 25) return (bytes[pos + 1]! << 8) | bytes[pos + 2]!;
  return ((bytes[pos + 1]! << 24) >>> 0) + (bytes[pos + 2]! << 16) + (bytes[pos + 3]! << 8) + bytes[pos + 4]!;
}
