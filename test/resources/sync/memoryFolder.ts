/**
 * A replica's folder in memory, for the model tests: files and a version store as maps, with
 * the same promises a folder on disk keeps (a write is whole or absent, what it replaces is kept).
 */
import { contentOf } from '../../../src/resources/sync/blocks.js';
import { blockRange } from '../../../src/resources/sync/blocks.js';
import type { FileRecord } from '../../../src/resources/sync/record.js';
import type { BlockSource, ReplicaStorage } from '../../../src/resources/sync/replica.js';

export class MemoryFolder implements ReplicaStorage {
  readonly files = new Map<string, Uint8Array>();
  /** Kept contents by hash. */
  readonly versions = new Map<string, Uint8Array>();
  /** Bytes returned to peers as blocks. */
  served = 0;

  async readBlock(hash: string): Promise<Uint8Array | undefined> {
    for (const data of [...this.files.values(), ...this.versions.values()]) {
      const content = contentOf(data);
      const at = content.blocks.indexOf(hash);
      if (at >= 0) {
        const { offset, length } = blockRange(content, at);
        return data.slice(offset, offset + length);
      }
    }
    return undefined;
  }

  async writeFile(record: FileRecord, block: (index: number) => Promise<Uint8Array>, displacedTo?: string): Promise<void> {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < record.blocks.length; i++) parts.push(await block(i));
    const data = Buffer.concat(parts);
    if (contentOf(data).hash !== record.hash) throw new Error(`assembled ${record.path} does not hash to its record`);
    const old = this.files.get(record.path);
    if (old && displacedTo !== undefined) {
      const there = this.files.get(displacedTo);
      if (there) this.keep(there);
      this.files.set(displacedTo, old);
    } else if (old) {
      this.keep(old);
    }
    this.files.set(record.path, new Uint8Array(data));
  }

  async deleteFile(path: string): Promise<void> {
    const old = this.files.get(path);
    if (old) this.keep(old);
    this.files.delete(path);
  }

  /** This folder as a peer's block source. */
  source(): BlockSource {
    return {
      block: async (hash) => {
        const bytes = await this.readBlock(hash);
        if (bytes) this.served += bytes.length;
        return bytes;
      },
    };
  }

  private keep(data: Uint8Array): void {
    this.versions.set(contentOf(data).hash, data);
  }
}
