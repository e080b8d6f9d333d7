/**
 * A network namespace for the simulated internet: a holder process (`unshare -n`) keeps it alive
 * and every command runs inside it with `nsenter`. The holder reads its stdin and exits at EOF, so
 * the namespace (its interfaces, addresses, NAT rules) goes with the test process that made it,
 * however that process ends; nothing is named globally, so concurrent test files never collide.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { within } from '../waitFor.js';

/** One namespace of the simulated internet (a host or a router). */
export interface Namespace {
  readonly name: string;
  /** The holder's pid: `nsenter -t PID -n` enters it. */
  readonly pid: number;
  /** Runs a command inside; resolves with its stdout, rejects with its stderr. */
  run(command: string, args: readonly string[]): Promise<string>;
  /** Runs `ip ARGS` inside. */
  ip(...args: string[]): Promise<string>;
  /** Starts a long-running command inside (the caller ends it). */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Ends the holder; the namespace goes once its last process has exited. */
  close(): Promise<void>;
}

/** Runs a command in the test process's own namespace (the underlay every wire crosses). */
export function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Makes a namespace with loopback up. */
export async function createNamespace(name: string): Promise<Namespace> {
  const holder = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && echo ready && read _'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  holder.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const ready = new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`the namespace ${name} could not be made (exit ${code}): ${stderr.trim()} — the simulated internet needs root`)));
  });
  await within(ready, 5000, `the namespace ${name} to be made`);
  const pid = holder.pid!;
  const enter = (command: string, args: readonly string[]): [string, string[]] => ['nsenter', ['-t', String(pid), '-n', command, ...args]];
  return {
    name,
    pid,
    run: (command, args) => run(...enter(command, args)),
    ip: (...args) => run(...enter('ip', args)),
    spawn: (command, args, options = {}) => spawn(...enter(command, args), options),
    async close() {
      if (holder.exitCode !== null || holder.signalCode !== null) return;
      const exited = once(holder, 'exit');
      holder.stdin!.end();
      await within(exited, 5000, `the holder of ${name} to exit`);
    },
  };
}
