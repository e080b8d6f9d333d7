import { createHash } from 'node:crypto';
import * as v from 'valibot';
import type { ResourceRef } from '../../actors/ref.js';
import { GlowError } from '../../firefly/errors.js';
import { FileSystemInterface, MAX_CHUNK_BYTES } from '../fs/interface.js';
import { defineStepKind } from './stepKind.js';

type FileSystem = ResourceRef<typeof FileSystemInterface>;

/** Arguments of {@link hashFilesStep}. */
export interface HashFilesArgs {
  /** The FileSystem export: a registered name (`photos`) or a resource id. */
  export: string;
  /** The folder in the export. @default the export's root */
  path?: string;
  /** This step's share of the files, for splitting a folder over several steps (0 ≤ shard < shards). */
  shard?: number;
  /** @default 1 */
  shards?: number;
  /** A path in the same export to write the result to, as JSON (`{ files: { path: sha256 } }`). */
  manifest?: string;
}

/** Files listed in one go at most (a folder beyond that is refused rather than half done). */
const MAX_FILES = 100_000;
/** Without a manifest the hashes travel in the step's output, which must stay small. */
const MAX_INLINE_HASHES = 200;

/**
 * `hashFiles`: the SHA-256 of every file under a folder of a FileSystem export anywhere in the
 * mesh, read through the resource (so the worker needs no access to that disk), with progress
 * per file. `shard`/`shards` split the files between steps by a stable hash of their path, so
 * a job can spread one folder over idle machines. The result goes to `manifest` (a JSON file in
 * the export, written atomically), and the output says where: `{ files, bytes, manifest }`; with
 * no manifest, up to 200 hashes come back in the output itself.
 */
export const hashFilesStep = defineStepKind<HashFilesArgs>({
  name: 'hashFiles',
  description: 'sha256 of every file under a folder of a FileSystem export (a job step)',
  args: v.strictObject({
    export: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
    path: v.optional(v.pipe(v.string(), v.maxLength(4096))),
    shard: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    shards: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000))),
    manifest: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  }),
  async run({ args, node, signal, progress }) {
    const shards = args.shards ?? 1;
    const shard = args.shard ?? 0;
    if (shard >= shards) throw new GlowError('badarg', `shard ${shard} is not below shards ${shards}`);
    const fs = node.lookup(args.export, FileSystemInterface);
    const all = await listFiles(fs, args.path ?? '', signal);
    const mine = all.filter((file) => shardOf(file, shards) === shard);
    const hashes: Record<string, string> = {};
    let bytes = 0;
    for (const [index, file] of mine.entries()) {
      if (signal.aborted) throw new GlowError('failed', 'stopped');
      const hash = createHash('sha256');
      for await (const chunk of fs.iterate('readStream', { path: file })) {
        hash.update(chunk.data);
        bytes += chunk.data.byteLength;
      }
      hashes[file] = hash.digest('hex');
      progress((index + 1) / mine.length, file);
    }
    if (args.manifest !== undefined) {
      await writeWhole(fs, args.manifest, new TextEncoder().encode(JSON.stringify({ files: hashes }, null, 1)));
      return { files: mine.length, bytes, manifest: args.manifest };
    }
    if (mine.length > MAX_INLINE_HASHES) throw new GlowError('badarg', `${mine.length} files: give a manifest path for more than ${MAX_INLINE_HASHES}`);
    return { files: mine.length, bytes, hashes };
  },
});

/** Every file under `path`, depth first, in name order. */
async function listFiles(fs: FileSystem, path: string, signal: AbortSignal): Promise<string[]> {
  const files: string[] = [];
  const folders = [path];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    let after: string | undefined;
    for (;;) {
      if (signal.aborted) throw new GlowError('failed', 'stopped');
      const page = await fs.call('list', { path: folder, ...(after === undefined ? {} : { after }) });
      for (const entry of page.entries) {
        const child = folder === '' ? entry.name : `${folder}/${entry.name}`;
        if (entry.type === 'dir') folders.push(child);
        else if (entry.type === 'file') files.push(child);
      }
      if (files.length > MAX_FILES) throw new GlowError('badarg', `more than ${MAX_FILES} files under ${JSON.stringify(path)}`);
      if (!page.truncated || page.entries.length === 0) break;
      after = page.entries.at(-1)!.name;
    }
  }
  return files.sort();
}

/** A stable shard for a path (the first 4 bytes of its SHA-256). */
function shardOf(path: string, shards: number): number {
  return createHash('sha256').update(path).digest().readUInt32BE(0) % shards;
}

/** Writes `data` to `path` atomically: one `write`, or an upload when it is larger than a call carries. */
async function writeWhole(fs: FileSystem, path: string, data: Uint8Array): Promise<void> {
  if (data.byteLength <= MAX_CHUNK_BYTES) {
    await fs.call('write', { path, data });
    return;
  }
  const { uploadId } = await fs.call('beginWrite', { path });
  for (let offset = 0; offset < data.byteLength; offset += MAX_CHUNK_BYTES) {
    await fs.call('writeChunk', { uploadId, offset, data: data.subarray(offset, offset + MAX_CHUNK_BYTES) });
  }
  await fs.call('commitWrite', { uploadId, size: data.byteLength });
}
