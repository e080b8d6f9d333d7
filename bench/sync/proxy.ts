/** A TCP relay the benchmark can cut and restore: two devices "apart" while their daemons run on. */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class CuttableLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  /** A relay to `target` (ws://host:port) on an ephemeral port of 127.0.0.1. */
  static async to(target: string): Promise<CuttableLink> {
    const url = new URL(target);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const link = new CuttableLink({ host: url.hostname, port: Number(url.port) }, port);
    await link.restore();
    return link;
  }

  /** ws://127.0.0.1:port, to give `--connect`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts and relays connections again. */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }
}
