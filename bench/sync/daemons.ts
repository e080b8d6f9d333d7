/**
 * Real `glow daemon` processes for the sync benchmarks: each with its own home (the same user
 * key in every home, so they are devices of one user), linked over WebSocket on 127.0.0.1.
 * `GLOW_BENCH_PROFILE=DIR` writes each daemon's CPU profile there (`--cpu-prof`), which is how a
 * sync row's time is taken apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlRequest, DaemonInfo } from '../../apps/daemon/control.js';
import { control } from '../../apps/daemon/cli/client.js';
import { createIdentity } from '../../src/transport/identity.js';
import { toBase64url } from '../../src/transport/base64url.js';

const MAIN = fileURLToPath(new URL('../../apps/daemon/cli/main.ts', import.meta.url));
const USER = createIdentity();

/** A daemon of the benchmark user. */
export class BenchDaemon {
  private constructor(
    readonly home: string,
    private child: ChildProcess,
    public info: DaemonInfo,
    private readonly args: string[],
  ) {}

  /** Starts a daemon in a new home (or `home`), with `args` after the defaults. */
  static async start(name: string, args: string[] = [], home?: string): Promise<BenchDaemon> {
    if (!home) {
      home = await mkdtemp(join(tmpdir(), `glow-bench-${name}-`));
      const key = { version: 1, type: 'ed25519', secretKey: toBase64url(USER.secretKey), id: USER.id };
      await writeFile(join(home, 'user.key'), `${JSON.stringify(key)}\n`, { mode: 0o600 });
    }
    const all = ['--name', name, '--no-mdns', ...args];
    const { child, info } = await launch(home, all);
    return new BenchDaemon(home, child, info, all);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** A control request, answered. */
  async op<T>(body: ControlRequest, timeout = 120_000): Promise<T> {
    return (await control({ http: this.info.http, token: (await readFile(join(this.home, 'control.token'), 'utf8')).trim() }, body, { timeout })) as T;
  }

  /** The daemon's resident memory, bytes (Linux). */
  async rss(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  /** Stops it (SIGTERM) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }

  /** Starts it again in the same home with the same arguments. */
  async restart(): Promise<void> {
    await this.stop();
    const { child, info } = await launch(this.home, this.args);
    this.child = child;
    this.info = info;
  }

  /** Stops it and removes its home. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.home, { recursive: true, force: true });
  }
}

async function launch(home: string, args: string[]): Promise<{ child: ChildProcess; info: DaemonInfo }> {
  const child = spawn(process.execPath, [...(process.env.GLOW_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.GLOW_BENCH_PROFILE] : []), '--import', 'tsx', MAIN, 'daemon', '--home', home, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`glow daemon exited with ${child.exitCode}`);
    const info = await readFile(join(home, 'daemon.json'), 'utf8').then((text) => JSON.parse(text) as DaemonInfo, () => undefined);
    if (info !== undefined && info.pid === child.pid) return { child, info };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the daemon did not start within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
