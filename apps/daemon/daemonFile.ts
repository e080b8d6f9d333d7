/**
 * One daemon per home: `DIR/daemon.lock` (created exclusively, holding the pid) is taken before
 * anything else starts, and `DIR/daemon.json` ({@link DaemonInfo}) is written once the daemon
 * listens. Both are removed on a clean exit. A daemon that was killed leaves them behind; the
 * next start sees that their pid is not alive, says so, and replaces them. A live pid refuses
 * the start (`running`, exit 4).
 */
import { errorMessage } from '../../src/firefly/errors.js';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { DaemonInfo } from './control.js';
import { writeFileAtomic } from './atomicFile.js';
import { DaemonError } from './errors.js';
import { HOME_FILES } from './home.js';

/** True when a process with this pid exists (ours or another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads `DIR/daemon.json`; undefined when absent or unreadable. */
export async function readDaemonInfo(home: string): Promise<DaemonInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(join(home, HOME_FILES.info), 'utf8')) as DaemonInfo;
    return typeof info === 'object' && info !== null ? info : undefined;
  } catch {
    return undefined;
  }
}

/** What {@link claimHome} found left behind by a daemon that did not exit cleanly. */
export interface StaleDaemon {
  pid: number | undefined;
}

/** The home, claimed for this process until {@link HomeClaim.release}. */
export interface HomeClaim {
  /** Set when a killed daemon's files were found and replaced. */
  readonly stale: StaleDaemon | undefined;
  /** Writes `daemon.json` (atomically). */
  publish(info: DaemonInfo): Promise<void>;
  /** Removes `daemon.json` and the lock. Synchronous-safe to call twice. */
  release(): Promise<void>;
}

/** Takes the home's lock, or refuses when a live daemon holds it. */
export async function claimHome(home: string, pid = process.pid): Promise<HomeClaim> {
  const lock = join(home, HOME_FILES.lock);
  const infoFile = join(home, HOME_FILES.info);
  let stale: StaleDaemon | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(`${pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
        throw new DaemonError('home', `cannot create ${lock}: ${errorMessage(error)}`);
      }
    }
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (pidAlive(holder) && holder !== pid) {
      const info = await readDaemonInfo(home);
      const where = info?.http ? ` at ${info.http}` : '';
      throw new DaemonError('running', `a daemon is already running with home ${home} (pid ${holder}${where}); stop it first or use another --home`);
    }
    stale = { pid: Number.isInteger(holder) && holder > 0 ? holder : undefined };
    await unlink(lock).catch(() => undefined);
  }
  // We hold the lock: any daemon.json is a killed daemon's (its pid is not alive, or it predates the lock).
  const leftover = await readDaemonInfo(home);
  if (leftover) {
    if (pidAlive(leftover.pid) && leftover.pid !== pid) {
      // Its lock was removed by hand, but the daemon it describes still runs.
      await unlink(lock).catch(() => undefined);
      throw new DaemonError('running', `a daemon is already running with home ${home} (pid ${leftover.pid} at ${leftover.http}); stop it first or use another --home`);
    }
    stale ??= { pid: leftover.pid };
    await unlink(infoFile).catch(() => undefined);
  }
  let released = false;
  return {
    stale,
    publish: (info) => writeFileAtomic(infoFile, `${JSON.stringify(info, null, 2)}\n`, 0o644),
    async release() {
      if (released) return;
      released = true;
      await unlink(infoFile).catch(() => undefined);
      await unlink(lock).catch(() => undefined);
    },
  };
}
