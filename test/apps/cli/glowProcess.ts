/**
 * The `glow` CLI and real daemons as OS processes, for the end-to-end tests: `glow(args)` runs one
 * command to completion (bounded), `startDaemon(home)` runs `glow daemon` and waits until it has
 * published DIR/daemon.json. Every process started here is recorded, so `stopAll()` can end any
 * that a failed test left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlRequest, DaemonInfo } from '../../../apps/daemon/control.js';
import { control } from '../../../apps/daemon/cli/client.js';
import { findDaemon } from '../../../apps/daemon/cli/discovery.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import type { NodeIdentity } from '../../../src/transport/identity.js';
import { giveUser, TEST_USER } from '../../helpers/users.js';

const MAIN = fileURLToPath(new URL('../../../apps/daemon/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const children = new Set<ChildProcess>();
const homes = new Set<string>();

/** The outcome of one `glow` command. */
export interface GlowResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A `glow` command still running (e.g. `monitor`): its output so far, and its end. */
export interface RunningGlow {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `text` appears on stderr (or stdout), within `timeout` ms. */
  waitFor(text: string | RegExp, timeout?: number): Promise<void>;
  done: Promise<GlowResult>;
}

/**
 * Starts `glow ARGS` (node --import tsx apps/daemon/cli/main.ts) with a clean HOME; `wrap` goes
 * before the command (e.g. `nsenter -t PID -n` to run it in another network namespace).
 */
export function startGlow(args: string[], env: NodeJS.ProcessEnv = {}, wrap: readonly string[] = [], cwd = ROOT): RunningGlow {
  const command = [...wrap, process.execPath, '--import', 'tsx', MAIN, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GLOW_HOME: '', GLOW_TOKEN: '', HOME: join(tmpdir(), 'glow-no-such-home'), ...env },
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const wake = new Set<() => void>();
  child.stdout!.on('data', (chunk) => {
    stdout += String(chunk);
    for (const w of wake) w();
  });
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
    for (const w of wake) w();
  });
  const done = (once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => {
    children.delete(child);
    for (const w of wake) w();
    return { code, signal, stdout, stderr };
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(text, timeout = 10_000) {
      const seen = () => (typeof text === 'string' ? stderr.includes(text) || stdout.includes(text) : text.test(stderr) || text.test(stdout));
      const deadline = Date.now() + timeout;
      while (!seen()) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`glow ${args.join(' ')} exited before printing ${String(text)}: ${stderr}`);
        let resolve!: () => void;
        const next = new Promise<void>((r) => (resolve = r));
        wake.add(resolve);
        try {
          await within(next, Math.max(1, deadline - Date.now()), `glow ${args.join(' ')} did not print ${String(text)} (stderr: ${stderr})`);
        } finally {
          wake.delete(resolve);
        }
      }
    },
    done,
  };
}

/** Runs `glow ARGS` to completion; SIGKILLs it and rejects after `timeout` ms. */
export async function glow(args: string[], options: { env?: NodeJS.ProcessEnv; timeout?: number; cwd?: string } = {}): Promise<GlowResult> {
  const running = startGlow(args, options.env, [], options.cwd);
  try {
    return await within(running.done, options.timeout ?? 15_000, `glow ${args.join(' ')} did not finish`);
  } finally {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  }
}

/**
 * A fresh home directory under the OS temp dir, removed by {@link stopAll}, with the test user's
 * key in it (so that the tests' daemons are devices of one user), or none with `user: null`.
 */
export async function tempHome(prefix = 'glow-cli-', user: NodeIdentity | null = TEST_USER): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  homes.add(home);
  if (user) await giveUser(home, user);
  return home;
}

/** A daemon started with `glow daemon`. */
export interface DaemonProcess {
  home: string;
  info: DaemonInfo;
  child: ChildProcess;
  /** Everything it wrote to stderr. */
  stderr(): string;
  /** Everything it wrote to stdout (its log, JSON lines). */
  stdout(): string;
  /** Resolves with its exit status once it has exited. */
  exited: Promise<GlowResult>;
}

/**
 * Runs `glow daemon --home HOME --listen 127.0.0.1:0 --http 127.0.0.1:0 ARGS` (ARGS may name
 * their own `--listen` and `--http`) and resolves once HOME/daemon.json names this process (the
 * daemon writes it once it listens). `wrap` as for {@link startGlow}.
 */
export async function startDaemon(home: string, args: string[] = [], timeout = 15_000, wrap: readonly string[] = []): Promise<DaemonProcess> {
  const defaults = ['--listen', '--http'].flatMap((flag) => (args.includes(flag) ? [] : [flag, '127.0.0.1:0']));
  const running = startGlow(['daemon', '--home', home, ...defaults, '--log-level', 'warn', ...args], {}, wrap);
  let info: DaemonInfo | undefined;
  try {
    await waitFor(
      async () => {
        if (running.child.exitCode !== null || running.child.signalCode !== null) {
          throw new Error(`glow daemon exited with ${running.child.exitCode ?? running.child.signalCode}: ${running.stderr()}`);
        }
        info = await readInfo(home);
        return info?.pid === running.child.pid;
      },
      timeout,
      `the daemon in ${home} did not write daemon.json`,
      25,
    );
  } catch (error) {
    running.child.kill('SIGKILL');
    throw error;
  }
  return { home, info: info!, child: running.child, stderr: running.stderr, stdout: running.stdout, exited: running.done };
}

async function readInfo(home: string): Promise<DaemonInfo | undefined> {
  try {
    return JSON.parse(await readFile(join(home, 'daemon.json'), 'utf8')) as DaemonInfo;
  } catch {
    return undefined; // not there yet, or half written
  }
}

/** Ends every process started here that is still running (SIGKILL) and removes the temp homes. */
export async function stopAll(): Promise<void> {
  const exits = [...children].map((child) => {
    const closed = once(child, 'close');
    child.kill('SIGKILL');
    return closed;
  });
  await within(Promise.all(exits), 5000, 'processes did not exit after SIGKILL');
  for (const home of homes) await rm(home, { recursive: true, force: true });
  homes.clear();
}

/** A control request from the test process itself (fast: no CLI process), to wait for state. */
export async function ask<T>(daemon: DaemonProcess, body: ControlRequest): Promise<T> {
  return (await control(await findDaemon({ home: daemon.home }), body, { timeout: 5000 })) as T;
}
