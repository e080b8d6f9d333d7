/**
 * Real daemons as OS processes for tests: `node --import tsx apps/daemon/main.ts --home TMP …`,
 * with every address on 127.0.0.1 and ephemeral, mDNS off unless a test turns it on (on a port
 * of its own, so that concurrent tests never find each other's daemons). The start line
 * (`daemon.started`, a JSON log line) tells the node id and URLs; every log line is kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DaemonInfo } from '../../../apps/daemon/control.js';
import type { NodeIdentity } from '../../../src/transport/identity.js';
import { giveUser, TEST_USER } from '../../helpers/users.js';

const MAIN = new URL('../../../apps/daemon/main.ts', import.meta.url).pathname;
const ROOT = new URL('../../../', import.meta.url).pathname;

const homes: string[] = [];

/**
 * A fresh home under the OS temp dir, removed by {@link removeHomes}. It holds `user`'s key
 * (default: the test user, so that the tests' daemons are devices of one user and link), or
 * nothing with `null` (the daemon then creates a user of its own, as on a first start).
 */
export async function tempHome(config?: object, user: NodeIdentity | null = TEST_USER): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'glow-daemon-test-'));
  homes.push(home);
  if (config) await writeFile(join(home, 'config.json'), JSON.stringify(config));
  if (user) await giveUser(home, user);
  return home;
}

/** Removes every home made by {@link tempHome}. */
export async function removeHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
}

/** A TCP port that was free a moment ago (for a daemon that must appear later at a known address). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A UDP port that was free a moment ago (a private mDNS port for one test). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** How a daemon process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link DaemonProcess.start}. */
export interface StartOptions {
  /** @default a fresh temp home */
  home?: string;
  /** Flags after the defaults (`--http 127.0.0.1:0 --listen 127.0.0.1:0 --no-mdns`, unless `mdns`). */
  args?: string[];
  /** Leave mDNS on (the test passes `--mdns-port`). @default false */
  mdns?: boolean;
  /** Pass no `--http` (the daemon's default port, 7717, or its fallback). @default false */
  defaultHttp?: boolean;
  /** @default 15000 */
  timeout?: number;
}

/** A daemon process. */
export class DaemonProcess {
  /** Every stdout line parsed as JSON (non-JSON lines as `{ text }`). */
  readonly lines: Record<string, any>[] = [];
  stderr = '';
  info!: DaemonInfo & { home: string };
  readonly exited: Promise<Exit>;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly home: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited.then(() => this.wake());
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line));
      } catch {
        this.lines.push({ text: line });
      }
      this.wake();
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Spawns a daemon process without waiting for it. */
  static spawn(options: StartOptions & { home: string }): DaemonProcess {
    const defaults = [...(options.defaultHttp ? [] : ['--http', '127.0.0.1:0']), '--listen', '127.0.0.1:0', ...(options.mdns ? [] : ['--no-mdns'])];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--home', options.home, ...defaults, ...(options.args ?? [])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GLOW_HOME: '' },
    });
    return new DaemonProcess(options.home, child);
  }

  /** Starts a daemon and waits for its start line; rejects (after killing it) if it exits or stalls. */
  static async start(options: StartOptions = {}): Promise<DaemonProcess> {
    const home = options.home ?? (await tempHome());
    const daemon = DaemonProcess.spawn({ ...options, home });
    try {
      const line = await daemon.waitLine((l) => l.event === 'daemon.started', options.timeout ?? 15000);
      daemon.info = { ...(JSON.parse(await readFile(join(home, 'daemon.json'), 'utf8')) as DaemonInfo), home };
      if (daemon.info.node !== line.node) throw new Error('daemon.json and the start line disagree');
      return daemon;
    } catch (error) {
      await daemon.kill();
      throw new Error(`${(error as Error).message}\nstderr: ${daemon.stderr}\nstdout: ${JSON.stringify(daemon.lines.slice(-5))}`, { cause: error });
    }
  }

  get id(): string {
    return this.info.node;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first log line that matches, waiting at most `timeout` ms. */
  waitLine(match: (line: Record<string, any>) => boolean, timeout = 5000): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`the daemon exited (${this.child.exitCode ?? this.child.signalCode}) before the expected line; stderr: ${this.stderr}`));
        }
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching log line within ${timeout} ms`));
      }, timeout);
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }

  /** The control token the daemon wrote. */
  async token(): Promise<string> {
    return (await readFile(join(this.home, 'control.token'), 'utf8')).trim();
  }

  /** `POST /control`; with the daemon's own token unless `token` is given (null: no header). */
  async control(request: object, token?: string | null): Promise<{ status: number; body: any }> {
    const bearer = token === undefined ? await this.token() : token;
    const response = await fetch(`${this.info.http}/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }) },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(15000),
    });
    return { status: response.status, body: await response.json() };
  }

  /** A fresh one-time login URL of the web UI (what `glow open` prints). */
  async loginUrl(): Promise<string> {
    return (await this.op<{ url: string }>({ op: 'login' })).url;
  }

  /** A web UI session: logs in with a fresh login URL and answers the `Cookie` header to send. */
  async sessionCookie(): Promise<string> {
    const response = await fetch(await this.loginUrl(), { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    const cookie = response.headers.get('set-cookie');
    if (response.status !== 303 || !cookie) throw new Error(`the login URL did not log in: ${response.status}`);
    return cookie.split(';')[0]!;
  }

  /** `Authorization` with the daemon's control token, for the gateway and /fs. */
  async bearer(): Promise<{ authorization: string }> {
    return { authorization: `Bearer ${await this.token()}` };
  }

  /** A control request that must succeed; its value. */
  async op<T = any>(request: object): Promise<T> {
    const { status, body } = await this.control(request);
    if (status !== 200 || !body.ok) throw new Error(`${JSON.stringify(request)} failed: ${status} ${JSON.stringify(body)}`);
    return body.value as T;
  }

  /** Polls a control request until `accept` holds (at most `timeout` ms). */
  async until<T = any>(request: object, accept: (value: T) => boolean, timeout = 10000): Promise<T> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.op<T>(request);
      if (accept(value)) return value;
      if (Date.now() > deadline) throw new Error(`${JSON.stringify(request)} did not reach the expected value within ${timeout} ms: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM (or `signal`), then waits for the exit (SIGKILL after `timeout` ms: the caller sees the signal). */
  async terminate(timeout = 12000, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit & { ms: number }> {
    const started = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeout);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, ms: Date.now() - started };
  }

  /** SIGKILL: the daemon vanishes without a word. */
  async kill(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** Runs a daemon that is expected to refuse to start; resolves with its exit and output. */
export async function startExpectingFailure(options: StartOptions & { home: string }, timeout = 15000): Promise<Exit & { stderr: string }> {
  const daemon = DaemonProcess.spawn(options);
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), timeout);
  const exit = await daemon.exited;
  clearTimeout(timer);
  return { ...exit, stderr: daemon.stderr };
}

/** Stops every daemon given (SIGTERM, SIGKILL if it hangs), in parallel. */
export async function stopAll(daemons: (DaemonProcess | undefined)[]): Promise<void> {
  await Promise.all(daemons.map((daemon) => daemon?.terminate()));
}

/** What {@link useDaemons} hands a test file. */
export interface Daemons {
  /** Starts a daemon (see {@link DaemonProcess.start}) that is stopped after the test. */
  start(options?: StartOptions): Promise<DaemonProcess>;
  /** Stops `daemon` after the test too (one the test spawned itself). */
  keep(daemon: DaemonProcess): DaemonProcess;
  /** Terminates `daemon` now (a restart, say). */
  stop(daemon: DaemonProcess): Promise<void>;
}

/** The daemons of a test file: each test's are stopped after it, and every home after the file. */
export function useDaemons(): Daemons {
  const running = new Set<DaemonProcess>();
  afterEach(async () => {
    const daemons = [...running];
    running.clear();
    await stopAll(daemons);
  });
  afterAll(removeHomes);
  return {
    async start(options = {}) {
      return this.keep(await DaemonProcess.start(options));
    },
    keep(daemon) {
      running.add(daemon);
      return daemon;
    },
    async stop(daemon) {
      running.delete(daemon);
      await daemon.terminate();
    },
  };
}
