/**
 * Where this replica holds a block: in which file at which offset, or inside which kept content
 * of the version store. Fed with every record the index takes, so a peer asking for a block by
 * hash, or a rename here looking for its own bytes, finds them without reading the folder.
 */
import { blockRange } from './blocks.js';
import type { FileRecord } from './record.js';

/** A place a block can be read from. */
export type BlockPlace =
  | { readonly kind: 'file'; readonly path: string; readonly offset: number; readonly length: number }
  | { readonly kind: 'kept'; readonly content: string; readonly offset: number; readonly length: number };

/** Multi-block contents remembered after they left the folder (one-block ones are named by their hash). */
const KEPT_CONTENTS = 10_000;

/** The block map of one replica. */
export class BlockLocator {
  /**
   * Block hash → where live files hold it. Most blocks are in one place, often as block 0 (every
   * small file): that is kept as the bare path, and only a block in several places, or at
   * another index, gets a map of paths to indexes — a map per file costs a replica of 100 000
   * files tens of megabytes.
   */
  private readonly files = new Map<string, string | Map<string, number>>();
  /** Content hash → its blocks, for contents that went to the version store. */
  private readonly kept = new Map<string, Pick<FileRecord, 'size' | 'blockSize' | 'blocks'>>();

  /** Notes that `record` replaced `old` at a path. */
  update(record: FileRecord, old: FileRecord | undefined): void {
    if (old && !old.deleted) {
      old.blocks.forEach((hash, index) => this.forget(hash, old.path, index));
      if (old.hash !== record.hash && old.blocks.length > 1) this.remember(old);
    }
    if (!record.deleted) record.blocks.forEach((hash, index) => this.note(hash, record.path, index));
  }

  private note(hash: string, path: string, index: number): void {
    const known = this.files.get(hash);
    if (known === undefined) {
      this.files.set(hash, index === 0 ? path : new Map([[path, index]]));
    } else if (typeof known === 'string') {
      if (known !== path) this.files.set(hash, new Map([[known, 0], [path, index]]));
    } else if (!known.has(path)) {
      known.set(path, index);
    }
  }

  private forget(hash: string, path: string, index: number): void {
    const known = this.files.get(hash);
    if (known === path && index === 0) this.files.delete(hash);
    else if (typeof known === 'object' && known.get(path) === index) {
      known.delete(path);
      if (known.size === 0) this.files.delete(hash);
    }
  }

  /** The places block `hash` may be read from, files first; each must still be checked against the hash. */
  places(hash: string, records: (path: string) => FileRecord | undefined): BlockPlace[] {
    const out: BlockPlace[] = [];
    const known = this.files.get(hash);
    const where: Iterable<[string, number]> = known === undefined ? [] : typeof known === 'string' ? [[known, 0]] : known;
    for (const [path, index] of where) {
      const record = records(path);
      if (record && !record.deleted) out.push({ kind: 'file', path, ...blockRange(record, index) });
    }
    // A one-block content is kept under its own hash.
    out.push({ kind: 'kept', content: hash, offset: 0, length: -1 });
    for (const [content, blocks] of this.kept) {
      const index = blocks.blocks.indexOf(hash);
      if (index >= 0) out.push({ kind: 'kept', content, ...blockRange(blocks, index) });
    }
    return out;
  }

  private remember(record: FileRecord): void {
    this.kept.delete(record.hash);
    this.kept.set(record.hash, { size: record.size, blockSize: record.blockSize, blocks: record.blocks });
    if (this.kept.size > KEPT_CONTENTS) this.kept.delete(this.kept.keys().next().value!);
  }
}
