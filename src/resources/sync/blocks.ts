/**
 * Content as blocks: a file is cut into blocks of one size that depends only on the file's
 * size, each named by its SHA-256, so the same bytes give the same blocks on every replica and
 * only blocks a replica lacks travel. The whole content's SHA-256 is the file's hash: the same
 * name the FileSystem version store uses, so a replaced content can be found there again.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** The smallest block: small files are one block. */
export const MIN_BLOCK_SIZE = 128 * 1024;
/** The largest block: one block and its envelope fit a packet (4 MiB) with room to spare. */
export const MAX_BLOCK_SIZE = 2 * 1024 * 1024;
/** Block sizes double until a file has at most this many blocks (or blocks reach the maximum). */
const TARGET_BLOCKS = 2000;

/** The block size of a file of `size` bytes. */
export function blockSizeFor(size: number): number {
  let block = MIN_BLOCK_SIZE;
  while (block < MAX_BLOCK_SIZE && size > block * TARGET_BLOCKS) block *= 2;
  return block;
}

/** A content's hash and its blocks' hashes. */
export interface Content {
  /** SHA-256 hex of the whole content. */
  readonly hash: string;
  readonly size: number;
  readonly blockSize: number;
  /** SHA-256 hex of each block, in order; a one-block content's block is its hash. */
  readonly blocks: readonly string[];
}

/** A running SHA-256: noble's in any JavaScript, node:crypto's where it is faster. */
export interface Sha256 {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

/** Makes a fresh SHA-256. */
export type Sha256Factory = () => Sha256;

const nobleSha256: Sha256Factory = () => sha256.create();

/** Hashes content that arrives in pieces of any size, for a file whose size is known up front. */
export class ContentHasher {
  private readonly whole: Sha256;
  private block: Sha256;
  private inBlock = 0;
  private total = 0;
  private readonly blocks: string[] = [];
  readonly blockSize: number;

  constructor(
    readonly size: number,
    private readonly newHash: Sha256Factory = nobleSha256,
  ) {
    this.blockSize = blockSizeFor(size);
    this.whole = newHash();
    this.block = newHash();
  }

  /** Takes the next bytes of the content. */
  update(data: Uint8Array): void {
    this.whole.update(data);
    this.total += data.length;
    for (let offset = 0; offset < data.length; ) {
      const take = Math.min(this.blockSize - this.inBlock, data.length - offset);
      this.block.update(data.subarray(offset, offset + take));
      this.inBlock += take;
      offset += take;
      if (this.inBlock === this.blockSize) this.endBlock();
    }
  }

  /** The content's hashes; throws when fewer or more bytes came than the size said. */
  digest(): Content {
    if (this.total !== this.size) throw new RangeError(`content was ${this.total} bytes, not ${this.size}`);
    if (this.inBlock > 0) this.endBlock();
    const hash = bytesToHex(this.whole.digest());
    // One block is the whole content: name it once.
    const blocks = this.blocks.length === 1 ? [hash] : this.blocks;
    return { hash, size: this.size, blockSize: this.blockSize, blocks };
  }

  private endBlock(): void {
    this.blocks.push(bytesToHex(this.block.digest()));
    this.block = this.newHash();
    this.inBlock = 0;
  }
}

/** The hashes of content held in memory. */
export function contentOf(data: Uint8Array): Content {
  const hasher = new ContentHasher(data.length);
  hasher.update(data);
  return hasher.digest();
}

/** The hash of one block's bytes. */
export function blockHash(data: Uint8Array): string {
  return bytesToHex(sha256(data));
}

/** Where block `index` of a content starts and how long it is. */
export function blockRange(content: Pick<Content, 'size' | 'blockSize'>, index: number): { offset: number; length: number } {
  const offset = index * content.blockSize;
  return { offset, length: Math.max(0, Math.min(content.blockSize, content.size - offset)) };
}
