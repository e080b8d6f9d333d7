/**
 * Atomic replacement. New content is written to a temporary file in the target's own directory
 * (same filesystem, so `rename` is atomic), fsynced, renamed over the target, and the directory
 * is fsynced so the rename itself survives a power cut. Readers see the old file or the new one,
 * never a mix, and a process killed at any point leaves the old content whole.
 *
 * Temporary files are named `.glow-tmp-<id>` (hidden and unreachable, see paths.ts) and listed in
 * a journal folder of the version store while they exist, so that a start after a crash deletes
 * exactly the ones left behind without walking the whole tree.
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { nanoid } from 'nanoid';
import { TEMP_PREFIX } from './paths.js';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Flushes a directory's entries (a rename or create in it, made before the call) to disk.
 * Callers share flushes (group commit): while one runs, every caller that arrives waits for the
 * next, which starts once it ends and covers them all. Files synced into one folder at once (a
 * peer filling it) then cost a few directory flushes rather than one each.
 */
export function fsyncDir(dir: string): Promise<void> {
  let sync = dirSyncs.get(dir);
  if (!sync) dirSyncs.set(dir, (sync = new DirSync(dir)));
  return sync.request();
}

const dirSyncs = new Map<string, DirSync>();
const ignore = () => undefined;

/** The flushes of one directory: the one running, and the one queued behind it. */
class DirSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  request(): Promise<void> {
    if (!this.running) return (this.running = this.run());
    // The running flush may have begun before the caller's change: it needs the next one.
    return (this.queued ??= this.running.then(ignore, ignore).then(() => {
      this.queued = undefined;
      return (this.running = this.run());
    }));
  }

  private async run(): Promise<void> {
    try {
      const handle = await open(this.dir, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } finally {
      if (!this.queued) {
        this.running = undefined;
        dirSyncs.delete(this.dir);
      }
    }
  }
}

/**
 * Replaces a small file with `text` so that it is either wholly there or not at all: written to
 * a temporary file in `tmpDir` (the same filesystem; default: the file's own folder), fsynced,
 * renamed over it, and the rename fsynced.
 */
export async function writeDurably(path: string, text: string, tmpDir: string = dirname(path)): Promise<void> {
  const temp = join(tmpDir, TEMP_PREFIX + nanoid());
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await replaceWith(temp, path);
}

/** Renames `temp` over `target` and makes the rename durable. */
export async function replaceWith(temp: string, target: string): Promise<void> {
  await rename(temp, target);
  await fsyncDir(dirname(target));
}

async function unlinkIfThere(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** Creates, tracks and deletes temporary files. */
export class TempFiles {
  constructor(
    /** The journal folder; without one (a read-only export) nothing is tracked. */
    private readonly journal: string | undefined,
    /** Where a journal entry may point: a tampered journal must not delete files elsewhere. */
    private readonly allowed: (real: string) => boolean,
  ) {}

  /** Creates an empty temporary file in `dir`, recorded in the journal first. */
  async create(dir: string): Promise<string> {
    const temp = join(dir, TEMP_PREFIX + nanoid());
    if (this.journal) await writeFile(join(this.journal, basename(temp)), temp);
    try {
      await (await open(temp, CREATE_FLAGS, 0o666)).close();
    } catch (error) {
      await this.forget(temp);
      throw error;
    }
    return temp;
  }

  /** Writes `data` to a new temporary file in `dir` and fsyncs it. */
  async write(dir: string, data: Uint8Array): Promise<string> {
    const temp = await this.create(dir);
    try {
      const handle = await open(temp, constants.O_WRONLY | constants.O_NOFOLLOW);
      try {
        await handle.write(data, 0, data.byteLength, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await this.discard(temp);
      throw error;
    }
    return temp;
  }

  /** Deletes a temporary file that will not be committed. */
  async discard(temp: string): Promise<void> {
    await unlinkIfThere(temp);
    await this.forget(temp);
  }

  /** Drops the journal entry of a temporary file that was renamed into place. */
  async forget(temp: string): Promise<void> {
    if (this.journal) await unlinkIfThere(join(this.journal, basename(temp)));
  }

  /** Deletes the temporary files a previous run left behind (it was killed mid-write). */
  async cleanStale(): Promise<number> {
    if (!this.journal) return 0;
    await mkdir(this.journal, { recursive: true });
    let cleaned = 0;
    for (const entry of await readdir(this.journal)) {
      const temp = await readFile(join(this.journal, entry), 'utf8').catch(() => '');
      if (basename(temp).startsWith(TEMP_PREFIX) && this.allowed(temp)) {
        await unlinkIfThere(temp).catch(() => undefined); // its folder may be gone, or not ours
        cleaned++;
      }
      await unlinkIfThere(join(this.journal, entry));
    }
    return cleaned;
  }
}
