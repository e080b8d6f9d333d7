/** Drives a child.ts node process over its stdin/stdout; `kill()` is SIGKILL, as a crashed machine. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as v from 'valibot';
import { defineInterface, method } from '../../src/index.js';

/** What the child's `echo` kind serves: the node it runs on. */
export const Where = defineInterface('bench.Where/1', { where: method(v.object({}), v.string()) });

const SCRIPT = new URL('./child.ts', import.meta.url).pathname;

/** A child.ts node process. */
export class ChildNode {
  id = '';
  /** Events the child reported (`{ event, … }` lines), as they come. */
  onevent: ((event: Record<string, any>) => void) | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly ready: Promise<string>;

  private constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const { reject } of this.waiting.values()) reject(new Error('the node process exited'));
      this.waiting.clear();
    });
    let isReady: (id: string) => void;
    this.ready = new Promise((resolve) => (isReady = resolve));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as Record<string, any>;
      if (message.event === 'ready') isReady(message.id as string);
      else if (message.event) this.onevent?.(message);
      else {
        const waiter = this.waiting.get(message.id as number);
        this.waiting.delete(message.id as number);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(message.message as string));
      }
    });
  }

  /** Starts a node process; resolves once it is ready. */
  static async start(timeout = 15_000): Promise<ChildNode> {
    const node = new ChildNode();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('bench: a child node did not start')), timeout)));
    node.id = await Promise.race([node.ready, late]).finally(() => clearTimeout(timer));
    return node;
  }

  /** Sends a command; resolves with its value. */
  request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeout = 10_000): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`bench: ${op} got no answer within ${timeout} ms`));
      }, timeout);
      const settle = <V>(fn: (value: V) => void) => (value: V) => {
        clearTimeout(timer);
        fn(value);
      };
      this.waiting.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Polls `op` until `accept(value)` holds, at most `timeout` ms. */
  async until<T>(op: string, args: Record<string, unknown>, accept: (value: T) => boolean, timeout = 5000): Promise<T> {
    const deadline = performance.now() + timeout;
    for (;;) {
      const value = await this.request<T>(op, args);
      if (accept(value)) return value;
      if (performance.now() > deadline) throw new Error(`bench: ${op} did not reach the expected value within ${timeout} ms`);
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
