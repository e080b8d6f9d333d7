/**
 * Range-based set reconciliation between two replicas with no shared history: neither sends
 * its index, each sends fingerprints of ranges of it and splits only the ranges that differ.
 *
 * The ranges are prefixes of the path hash (syncIndex.ts): sorted by key, a prefix is a
 * contiguous range, both sides cut the same places without sending a bound, and a range's
 * fingerprint is kept up to date as records change. A range that differs is split into its
 * sixteen sub-ranges; a small one is settled by listing 8-byte ids of its records, after which
 * each side sends the records the other lacks. Equal folders cost one message of 20 bytes;
 * d differences among n records cost about d·log16(n) fingerprints.
 *
 * Messages are plain data; {@link respond} is stateless, so either side may start and a
 * message from a peer is validated here before anything in it is believed.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { HEX, idOf, KEY_DIGITS, type Fingerprint, type SyncIndex } from './syncIndex.js';
import { recordWireBytes, type FileRecord } from './record.js';

/** A range's fingerprint: sum (12 bytes, big-endian) and count. */
export type WireFingerprint = readonly [sum: Uint8Array, count: number];

/** One part of a reconciliation message. */
export type ReconcileEntry =
  /** "My fingerprint of prefix p." */
  | { readonly p: string; readonly f: WireFingerprint }
  /** "My fingerprints of the sixteen sub-ranges of p" (`null` for an empty one). */
  | { readonly p: string; readonly s: readonly (WireFingerprint | null)[] }
  /** "All my records under p, by id." */
  | { readonly p: string; readonly i: readonly Uint8Array[] }
  /** "Send me the records with these ids under p." */
  | { readonly p: string; readonly w: readonly Uint8Array[] }
  /** "Records you lack" (`more`: and others that did not fit: reconcile again). */
  | { readonly r: readonly FileRecord[]; readonly more?: boolean };

/** A reconciliation message: what one side sends in one round. */
export type ReconcileMessage = readonly ReconcileEntry[];

/** Ranges at most this big are settled by listing ids rather than split. */
export const LIST_THRESHOLD = 16;
/** Bytes of a record's digest used as its id in a listing. */
const ID_BYTES = 8;
/** Most entries a peer's message may carry (a split of every range of a depth-3 trie). */
export const MAX_ENTRIES = 8192;

/** The first message: the whole index's fingerprint. */
export function startReconcile(index: SyncIndex): ReconcileMessage {
  return [{ p: '', f: wire(index.fingerprint('')) }];
}

/** What `index` answers to a peer's message, and the peer's records it learnt (to decide on). */
export interface ReconcileStep {
  readonly reply: ReconcileMessage;
  readonly records: readonly FileRecord[];
  /** The peer had more records for us than fit its message: another reconciliation will bring them. */
  readonly more: boolean;
}

/** About how many bytes of records one message carries: a packet holds 4 MiB. */
const RECORD_BYTES = 1024 * 1024;

/**
 * Answers one message. An empty reply ends the exchange. Throws a `TypeError` for a message
 * that is not a reconciliation message (the caller answers `badarg`); records in it are passed
 * on unchecked, for the caller validates every record it believes, whatever brought it.
 */
export function respond(index: SyncIndex, message: unknown): ReconcileStep {
  const entries = parseMessage(message);
  const reply: ReconcileEntry[] = [];
  const records: FileRecord[] = [];
  const wanted: FileRecord[] = [];
  let more = false;
  for (const entry of entries) {
    if ('r' in entry) {
      records.push(...entry.r);
      more ||= entry.more === true;
    } else if ('f' in entry) {
      compareRange(index, entry.p, entry.f, reply, wanted);
    } else if ('s' in entry) {
      entry.s.forEach((theirs, digit) => compareRange(index, entry.p + HEX[digit]!, theirs ?? [EMPTY_SUM, 0], reply, wanted));
    } else if ('i' in entry) {
      const theirs = new Set(entry.i.map(idKey));
      const mine = index.itemsUnder(entry.p);
      const mineIds = new Set<string>();
      for (const item of mine) {
        const id = idOf(item);
        mineIds.add(id);
        if (!theirs.has(id)) wanted.push(item.record);
      }
      const want = entry.i.filter((id) => !mineIds.has(idKey(id)));
      if (want.length > 0) reply.push({ p: entry.p, w: want });
    } else {
      const want = new Set(entry.w.map(idKey));
      for (const item of index.itemsUnder(entry.p)) if (want.has(idOf(item))) wanted.push(item.record);
    }
  }
  if (wanted.length > 0) {
    // What does not fit comes with the next reconciliation (the ranges still differ then).
    let bytes = 0;
    let fit = 0;
    while (fit < wanted.length && (fit === 0 || bytes < RECORD_BYTES)) bytes += recordWireBytes(wanted[fit++]!);
    reply.push(fit < wanted.length ? { r: wanted.slice(0, fit), more: true } : { r: wanted });
  }
  return { reply, records, more };
}

const EMPTY_SUM = new Uint8Array(12);

function compareRange(index: SyncIndex, prefix: string, theirs: WireFingerprint, reply: ReconcileEntry[], wanted: FileRecord[]): void {
  const mine = index.fingerprint(prefix);
  if (mine.count === theirs[1] && equalBytes(wire(mine)[0], theirs[0])) return;
  if (mine.count === 0) {
    // Nothing here: ask for all of theirs by listing nothing.
    reply.push({ p: prefix, i: [] });
    return;
  }
  if (theirs[1] === 0) {
    for (const item of index.itemsUnder(prefix)) wanted.push(item.record);
    return;
  }
  if (mine.count <= LIST_THRESHOLD || theirs[1] <= LIST_THRESHOLD || prefix.length >= KEY_DIGITS) {
    reply.push({ p: prefix, i: index.itemsUnder(prefix).map((item) => hexToBytes(idOf(item))) });
    return;
  }
  reply.push({ p: prefix, s: [...HEX].map((digit) => {
    const child = index.fingerprint(prefix + digit);
    return child.count === 0 ? null : wire(child);
  }) });
}

function wire(fingerprint: Fingerprint): WireFingerprint {
  const sum = new Uint8Array(12);
  let value = fingerprint.sum;
  for (let i = 11; i >= 0; i--) {
    sum[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return [sum, fingerprint.count];
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function idKey(id: Uint8Array): string {
  return bytesToHex(id);
}

const PREFIX = /^[0-9a-f]{0,16}$/;

function isFingerprint(value: unknown): value is WireFingerprint {
  return Array.isArray(value) && value.length === 2 && value[0] instanceof Uint8Array && value[0].length === 12 && Number.isSafeInteger(value[1]) && (value[1] as number) >= 0;
}

function isIdList(value: unknown): value is Uint8Array[] {
  return Array.isArray(value) && value.length <= 100_000 && value.every((id) => id instanceof Uint8Array && id.length === ID_BYTES);
}

function parseMessage(message: unknown): ReconcileEntry[] {
  if (!Array.isArray(message) || message.length > MAX_ENTRIES) throw new TypeError('a reconciliation message is a list of at most 8192 entries');
  return message.map((entry: unknown, at) => {
    const bad = (why: string) => new TypeError(`reconciliation entry ${at}: ${why}`);
    if (typeof entry !== 'object' || entry === null) throw bad('not an object');
    const e = entry as Record<string, unknown>;
    if ('r' in e) {
      if (!Array.isArray(e.r)) throw bad('records are not a list');
      return { r: e.r as FileRecord[], more: e.more === true };
    }
    if (typeof e.p !== 'string' || !PREFIX.test(e.p)) throw bad('bad prefix');
    if ('f' in e) {
      if (!isFingerprint(e.f)) throw bad('bad fingerprint');
      return { p: e.p, f: e.f };
    }
    if ('s' in e) {
      if (e.p.length >= KEY_DIGITS || !Array.isArray(e.s) || e.s.length !== 16 || !e.s.every((f) => f === null || isFingerprint(f))) throw bad('bad split');
      return { p: e.p, s: e.s as (WireFingerprint | null)[] };
    }
    if ('i' in e) {
      if (!isIdList(e.i)) throw bad('bad id list');
      return { p: e.p, i: e.i };
    }
    if ('w' in e) {
      if (!isIdList(e.w)) throw bad('bad want list');
      return { p: e.p, w: e.w };
    }
    throw bad('unknown entry');
  });
}
