/**
 * Shared set-up of the fs tests: real temporary directories and a Node running the `fs` kind in
 * this process; both are removed after each test of the file that calls {@link useFs}.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Node, type GlowError, type ResourceRef } from '../../../src/index.js';
import { createFsKind, FileSystemInterface, fsErrorReason, type FsArgs, type FsKindFactoryOptions } from '../../../src/resources/fs/index.js';
import { rejection as actorRejection, within as actorWithin } from '../../actors/helpers.js';

/** A ref typed by `glow.FileSystem/1`. */
export type FsRef = ResourceRef<typeof FileSystemInterface>;

/** What {@link useFs} hands a test. */
export interface FsHarness {
  /** A new empty directory (real path), removed after the test. */
  tempDir(prefix?: string): Promise<string>;
  /** Spawns an `fs` process on `args` (its root defaults to a new temp dir). */
  spawn(args?: Partial<FsArgs>, options?: FsKindFactoryOptions): Promise<{ fs: FsRef; root: string; node: Node }>;
}

/** Registers after-each clean-up and answers the harness. */
export function useFs(): FsHarness {
  const dirs: string[] = [];
  const nodes: Node[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.shutdown({ timeout: 1000 })));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const tempDir = async (prefix = 'glow-fs-') => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
    dirs.push(dir);
    return dir;
  };
  return {
    tempDir,
    async spawn(args = {}, options = {}) {
      const root = args.root ?? (await tempDir());
      const node = new Node();
      nodes.push(node);
      node.registerKind(createFsKind(options));
      const ref = await within(node.spawn('fs', { ...args, root }), 5000, 'spawning fs');
      return { fs: node.ref(ref.id, FileSystemInterface), root, node };
    },
  };
}

/** `promise`, or a test failure when it does not settle within `ms` (file I/O gets 5 s by default). */
export function within<T>(promise: Promise<T>, ms = 5000, what = 'the promise'): Promise<T> {
  return actorWithin(promise, ms, what);
}

/** The GlowError `promise` rejects with (bounded, 5 s by default); fails the test when it resolves. */
export function rejection(promise: Promise<unknown>, ms = 5000): Promise<GlowError> {
  return actorRejection(promise, ms);
}

/** Expects `promise` to fail with `code` and `details.reason`; answers the error. */
export async function refused(promise: Promise<unknown>, code: string, reason: string): Promise<GlowError> {
  const error = await rejection(promise);
  expect({ code: error.code, reason: fsErrorReason(error) }).toEqual({ code, reason });
  return error;
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `data` as UTF-8 text. */
export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}
