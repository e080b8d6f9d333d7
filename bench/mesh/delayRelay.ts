/**
 * A TCP relay on 127.0.0.1 that holds every chunk for a fixed time each way: a link with a
 * LAN's or the internet's latency, for benchmarks where round trips (not CPU) are the question.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class DelayRelay {
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** A relay to `target` (ws://host:port) adding `delayMs` in each direction. */
  static async to(target: string, delayMs: number): Promise<DelayRelay> {
    const { hostname: host, port } = new URL(target);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = new DelayRelay(server, `ws://127.0.0.1:${(server.address() as { port: number }).port}`);
    server.on('connection', (client) => relay.join(client, createConnection({ host, port: Number(port) }), delayMs));
    return relay;
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private join(client: Socket, upstream: Socket, delayMs: number): void {
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      this.sockets.add(from);
      from.setNoDelay(true);
      from.on('error', () => undefined);
      // Timers of one delay fire in the order they were set: the byte stream keeps its order.
      from.on('data', (chunk) => this.later(() => to.write(chunk), delayMs));
      from.on('close', () => this.later(() => to.destroy(), delayMs));
      from.on('close', () => this.sockets.delete(from));
    }
  }

  private later(action: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, delayMs);
    this.timers.add(timer);
  }
}
