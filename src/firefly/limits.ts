/**
 * Receive-side limits: every packet and every body decoded from the wire is checked against
 * these before it is turned into values. Each has a default and the reason for it.
 */
export interface ReceiveLimits {
  /**
   * Largest packet, in bytes, that is decoded at all. Bounds the memory one packet can pin on a
   * relay or a receiver; bulk data moves as a stream of smaller items.
   * @default 4194304 (4 MiB)
   */
  maxPacketBytes: number;
  /**
   * Deepest nesting of arrays, maps and tags. Real payloads nest a handful of levels; deeper
   * nesting only serves to exhaust the stack of recursive decoders and validators.
   * @default 64
   */
  maxDepth: number;
  /**
   * Longest text string, in UTF-8 bytes. Text carries names, paths and messages; large payloads
   * belong in byte strings or streams, and a long string costs a full UTF-8 decode.
   * @default 1048576 (1 MiB)
   */
  maxStringBytes: number;
}

/** The defaults of {@link ReceiveLimits}. */
export const DEFAULT_LIMITS: Readonly<ReceiveLimits> = Object.freeze({
  maxPacketBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxStringBytes: 1024 * 1024,
});
