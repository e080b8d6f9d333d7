/**
 * A replica's index: its record of every path, a change log in sequence order (what a peer
 * seen before asks for: "everything after N"), and fingerprints of the index cut by the hash of
 * the path, for peers with no shared history (reconcile.ts).
 *
 * Fingerprints: every record has a 16-byte digest; a set's fingerprint is the sum of its
 * digests mod 2^96 and its count. A sum moves by one subtraction and one addition when a record
 * changes, so the fingerprint of every prefix of the path-hash space is kept up to date down to
 * {@link TRIE_DEPTH} hex digits; deeper prefixes are summed from their bucket when asked.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { nanoid } from 'nanoid';
import { recordDigest, type FileRecord } from './record.js';
import type { VersionVector } from './versionVector.js';

/** Hex digits of the path hash down to which fingerprints are kept. */
export const TRIE_DEPTH = 3;
/** Hex digits of a path's key: 64 bits. */
export const KEY_DIGITS = 16;
const SUM_BITS = 96n;
const SUM_MASK = (1n << SUM_BITS) - 1n;

/** A set's fingerprint. */
export interface Fingerprint {
  readonly sum: bigint;
  readonly count: number;
}

/** A record's id in a reconciliation listing: the top 64 bits of its sum, as 16 hex digits. */
export function idOf(item: IndexItem): string {
  return (item.sum >> 32n).toString(16).padStart(16, '0');
}

/** An index entry as reconciliation sees it. */
export interface IndexItem {
  readonly path: string;
  /** Hex of the first 64 bits of SHA-256 of the path: where it sits in the trie. */
  readonly key: string;
  /** The first 96 bits of the record's digest: its part of the fingerprints. */
  readonly sum: bigint;
  readonly record: FileRecord;
}

/** The key of a path. */
export function keyOf(path: string): string {
  return bytesToHex(sha256(utf8ToBytes(path)).subarray(0, KEY_DIGITS / 2));
}

/** The first 96 bits of a digest as a number to sum (one BigInt parse: cheaper than 12 shifts). */
function sumOf(digest: Uint8Array): bigint {
  return BigInt(`0x${bytesToHex(digest.subarray(0, 12))}`);
}

interface Node {
  sum: bigint;
  count: number;
}

/** A replica's records, change log and fingerprints. */
export class SyncIndex {
  private readonly items = new Map<string, IndexItem>();
  /** seq → path, in insertion order, which is seq order. */
  private readonly log = new Map<number, string>();
  private readonly nodes = new Map<string, Node>();
  private readonly buckets = new Map<string, Map<string, IndexItem>>();
  private last: number;
  /** Equal version vectors shared: a scan gives every new file the same one. */
  private readonly vectors = new VectorTable();
  private readonly listeners: ((record: FileRecord, old: FileRecord | undefined) => void)[] = [];

  constructor(
    /** Names this index's change log: a cursor from another epoch means nothing here. */
    readonly epoch: string = nanoid(),
    records: Iterable<FileRecord> = [],
  ) {
    this.last = 0;
    const sorted = [...records].sort((a, b) => a.seq - b.seq);
    for (const record of sorted) {
      this.insert({ ...record, version: this.vectors.intern(record.version) });
      this.last = Math.max(this.last, record.seq);
    }
  }

  /** The sequence number of the latest change. */
  get sequence(): number {
    return this.last;
  }

  /** How many paths (tombstones included) the index holds. */
  get size(): number {
    return this.items.size;
  }

  /** The record of `path`. */
  get(path: string): FileRecord | undefined {
    return this.items.get(path)?.record;
  }

  /** Every record, in no particular order. */
  *records(): IterableIterator<FileRecord> {
    for (const item of this.items.values()) yield item.record;
  }

  /** Records `record` as this replica's at its path, as the next change; answers it with its seq. */
  put(record: Omit<FileRecord, 'seq'> | FileRecord): FileRecord {
    const old = this.items.get(record.path)?.record;
    const stored: FileRecord = { ...record, version: this.vectors.intern(record.version), seq: ++this.last };
    this.insert(stored);
    for (const listener of this.listeners) listener(stored, old);
    return stored;
  }

  /** Calls `listener` with every record put from now on, and the record it replaced. */
  listen(listener: (record: FileRecord, old: FileRecord | undefined) => void): void {
    this.listeners.push(listener);
  }

  /** Changes after `seq`, oldest first, at most `limit`. */
  changesSince(seq: number, limit = Infinity): FileRecord[] {
    const out: FileRecord[] = [];
    if (seq >= this.last) return out;
    for (const [at, path] of this.log) {
      if (at <= seq) continue;
      out.push(this.items.get(path)!.record);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The fingerprint of the records whose key starts with `prefix`. */
  fingerprint(prefix: string): Fingerprint {
    if (prefix.length <= TRIE_DEPTH) {
      const node = this.nodes.get(prefix);
      return node ? { sum: node.sum, count: node.count } : { sum: 0n, count: 0 };
    }
    let sum = 0n;
    let count = 0;
    for (const item of this.itemsUnder(prefix)) {
      sum = (sum + item.sum) & SUM_MASK;
      count++;
    }
    return { sum, count };
  }

  /** The items whose key starts with `prefix`. */
  itemsUnder(prefix: string): IndexItem[] {
    if (prefix.length >= TRIE_DEPTH) {
      const bucket = this.buckets.get(prefix.slice(0, TRIE_DEPTH));
      if (!bucket) return [];
      return [...bucket.values()].filter((item) => item.key.startsWith(prefix));
    }
    const out: IndexItem[] = [];
    const walk = (at: string) => {
      if (at.length === TRIE_DEPTH) {
        for (const item of this.buckets.get(at)?.values() ?? []) out.push(item);
        return;
      }
      for (const digit of HEX) if (this.nodes.has(at + digit)) walk(at + digit);
    };
    if (this.nodes.has(prefix)) walk(prefix);
    return out;
  }

  private insert(record: FileRecord): void {
    const old = this.items.get(record.path);
    const key = old?.key ?? keyOf(record.path);
    if (old) {
      this.log.delete(old.record.seq);
      this.move(key, old.sum, -1);
    }
    const item: IndexItem = { path: record.path, key, sum: sumOf(recordDigest(record)), record };
    this.items.set(record.path, item);
    this.log.set(record.seq, record.path);
    this.move(key, item.sum, 1);
    const bucketKey = key.slice(0, TRIE_DEPTH);
    let bucket = this.buckets.get(bucketKey);
    if (!bucket) this.buckets.set(bucketKey, (bucket = new Map()));
    bucket.set(record.path, item);
  }

  private move(key: string, sum: bigint, sign: 1 | -1): void {
    for (let depth = 0; depth <= TRIE_DEPTH; depth++) {
      const prefix = key.slice(0, depth);
      let node = this.nodes.get(prefix);
      if (!node) this.nodes.set(prefix, (node = { sum: 0n, count: 0 }));
      node.sum = (node.sum + (sign === 1 ? sum : SUM_MASK + 1n - sum)) & SUM_MASK;
      node.count += sign;
      // An emptied node goes, so walking the trie only visits what holds records.
      if (node.count === 0) this.nodes.delete(prefix);
    }
  }
}

/** The sixteen hex digits, in order. */
export const HEX = '0123456789abcdef';

/** Interns version vectors: one shared array per distinct vector (at most a bounded number kept). */
class VectorTable {
  private readonly table = new Map<string, VersionVector>();

  intern(vector: VersionVector): VersionVector {
    const key = JSON.stringify(vector);
    const known = this.table.get(key);
    if (known) return known;
    // Vectors made by edits are mostly unique: only the first many are worth remembering.
    if (this.table.size < 50_000) this.table.set(key, vector);
    return vector;
  }
}
