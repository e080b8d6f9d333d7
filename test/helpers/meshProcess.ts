import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const FIXTURE = new URL('../fixtures/meshNode.ts', import.meta.url).pathname;

/** The answer to a command that failed inside the node. */
export class NodeCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A mesh node running as its own OS process (test/fixtures/meshNode.ts), driven over
 * stdin/stdout. `kill()` is SIGKILL: the node vanishes without a word, as a crashed machine does.
 */
export class MeshProcess {
  readonly events: Record<string, unknown>[] = [];
  id = '';
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private readonly eventWaiters = new Set<() => void>();
  private readonly child: ChildProcess;
  private exited: Promise<void>;

  private constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.exited.then(() => {
      for (const { reject } of this.waiting.values()) reject(new Error('the node process exited'));
      this.waiting.clear();
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let message: Record<string, any>;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof message.id === 'number') {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new NodeCommandError(message.code, message.message));
      } else {
        this.events.push(message);
        for (const wake of this.eventWaiters) wake();
      }
    });
  }

  /** Starts a node process and waits until it is ready. */
  static async start(env: Record<string, string> = {}, timeout = 15000): Promise<MeshProcess> {
    const node = new MeshProcess(env);
    const ready = (await node.event((e) => e.event === 'ready', timeout)) as { id: string };
    node.id = ready.id;
    return node;
  }

  /** Sends a command; resolves with its value, rejects with a {@link NodeCommandError}. */
  request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeout = 10000): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${op} got no answer within ${timeout} ms`));
      }, timeout);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Resolves with the first event that matches, waiting at most `timeout` ms. */
  event(match: (event: Record<string, any>) => boolean, timeout = 5000): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (!found) return;
        this.eventWaiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.eventWaiters.delete(check);
        reject(new Error(`no matching event within ${timeout} ms`));
      }, timeout);
      this.eventWaiters.add(check);
      check();
    });
  }

  /** Polls `op` until `accept(value)` holds, at most `timeout` ms. */
  async until<T>(op: string, args: Record<string, unknown>, accept: (value: T) => boolean, timeout = 5000): Promise<T> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.request<T>(op, args);
      if (accept(value)) return value;
      if (Date.now() > deadline) throw new Error(`${op} did not reach the expected value within ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** SIGKILL: the process ends at once, its sockets die with it. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Ends the process cleanly (stdin closes; it shuts its node down), killing it if it hangs. */
  async stop(timeout = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeout);
    await this.exited;
    clearTimeout(timer);
  }
}
