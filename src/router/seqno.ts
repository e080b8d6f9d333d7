/**
 * Sequence numbers of routes. Each destination owns its seqno and only it raises it; the rest of
 * the mesh compares them. They are 16-bit and compared modulo 2^16 (as in Babel, RFC 8966
 * §3.2.1) so that a long-lived node never runs out of them: `a` is newer than `b` when it lies
 * less than half the circle ahead.
 */

/** Seqnos live in [0, SEQNO_MODULUS). */
export const SEQNO_MODULUS = 0x10000;

/** True when `a` is strictly newer than `b` (modulo 2^16). */
export function seqnoNewer(a: number, b: number): boolean {
  const ahead = (a - b + SEQNO_MODULUS) % SEQNO_MODULUS;
  return ahead !== 0 && ahead < SEQNO_MODULUS / 2;
}

/** `a + by`, wrapped into the seqno range. */
export function seqnoAdd(a: number, by = 1): number {
  return (a + by) % SEQNO_MODULUS;
}

/** True when `value` is a well-formed seqno (for untrusted input). */
export function isSeqno(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < SEQNO_MODULUS;
}
