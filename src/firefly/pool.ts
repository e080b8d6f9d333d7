/**
 * Small byte arrays for what is written on every message (packet headers, link frames). An
 * array of its own costs an off-heap allocation (~0.2–0.5 µs measured here, more than filling
 * it), so small ones are carved out of a shared chunk, as Node's `Buffer.allocUnsafe` and cbor-x
 * do. Each is a view of its own bytes; a chunk is never written twice.
 */
const POOL_SIZE = 64 * 1024;
/** Arrays larger than this get their own buffer, so that no chunk is mostly one array. */
const MAX_POOLED = 4 * 1024;
let pool = new Uint8Array(POOL_SIZE);
let poolAt = 0;

/** A fresh, zero-filled array of `size` bytes, never handed out twice: pooled up to 4 KiB. */
export function allocate(size: number): Uint8Array {
  if (size > MAX_POOLED) return new Uint8Array(size);
  if (poolAt + size > POOL_SIZE) {
    pool = new Uint8Array(POOL_SIZE);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + size);
  // Aligned to 8 bytes, as typed arrays made by others over the same memory may expect.
  poolAt += (size + 7) & ~7;
  return out;
}

