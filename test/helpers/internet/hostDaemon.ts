/**
 * Real `glow daemon` processes on the machines of the simulated internet: each runs inside its
 * host's namespace (`nsenter`), with its HTTP port on every address so that the test process
 * reaches its control channel through the host's management cable.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlRequest } from '../../../apps/daemon/control.js';
import { control } from '../../../apps/daemon/cli/client.js';
import { startDaemon, tempHome, type DaemonProcess } from '../../apps/cli/glowProcess.js';
import { waitFor } from '../waitFor.js';
import type { Host } from './internet.js';

/** A daemon on a host of the simulated internet. */
export interface HostDaemon {
  readonly host: Host;
  readonly process: DaemonProcess;
  readonly node: string;
  /** Its control channel's URL as the test process reaches it (over the management cable). */
  readonly http: string;
  /** A control request; rejects with the daemon's error. */
  op<T>(body: ControlRequest, timeout?: number): Promise<T>;
  /** Every log line (JSON) so far that `match` holds of. */
  logLines(match: (line: Record<string, unknown>) => boolean): Record<string, unknown>[];
  /** Resolves with the first log line (JSON) that `match` holds of, within `timeout` ms. */
  logLine(match: (line: Record<string, unknown>) => boolean, timeout?: number): Promise<Record<string, unknown>>;
  /** Polls `op(body)` until `until` holds of the answer (errors count as not yet). */
  until<T>(body: ControlRequest, until: (value: T) => boolean, timeout?: number, message?: string): Promise<T>;
}

/** Options of {@link startHostDaemon}. */
export interface HostDaemonOptions {
  /** Its home (a fresh one with the test user's key by default). */
  home?: string;
  /** The link listener's port on the host's address. @default 0 (ephemeral) */
  linkPort?: number;
  /** More `glow daemon` flags. */
  args?: string[];
  /** Written to HOME/config.json before the start. */
  config?: Record<string, unknown>;
}

/** Starts `glow daemon` on `host`, listening for links on the host's own address. */
export async function startHostDaemon(host: Host, options: HostDaemonOptions = {}): Promise<HostDaemon> {
  const home = options.home ?? (await tempHome(`glow-${host.name}-`));
  if (options.config) await writeFile(join(home, 'config.json'), JSON.stringify(options.config));
  const args = ['--listen', `${host.address}:${options.linkPort ?? 0}`, '--http', '0.0.0.0:0', '--name', host.name, '--no-mdns', ...(options.args ?? [])];
  // --mdns-interface turns discovery back on, on the LAN only.
  const flags = args.includes('--mdns-interface') ? args.filter((arg) => arg !== '--no-mdns') : args;
  const daemon = await startDaemon(home, flags, 20_000, ['nsenter', '-t', String(host.ns.pid), '-n']);
  const own = new URL(daemon.info.http);
  const http = `${own.protocol}//${host.mgmt}:${own.port}`;
  const token = (await readFile(join(home, 'control.token'), 'utf8')).trim();
  // With --tls, the CLI's way: the daemon's own certificate from its home is the one trusted.
  const ca = own.protocol === 'https:' ? await readFile(join(home, 'tls.cert'), 'utf8') : undefined;
  const op = async <T>(body: ControlRequest, timeout = 10_000) => (await control({ http, token, ...(ca ? { ca } : {}) }, body, { timeout })) as T;
  const lines = () =>
    daemon
      .stdout()
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  return {
    host,
    process: daemon,
    node: daemon.info.node,
    http,
    op,
    logLines: (match) => lines().filter(match),
    async logLine(match, timeout = 10_000) {
      let found: Record<string, unknown> | undefined;
      await waitFor(() => (found = lines().find(match)) !== undefined, timeout, `a log line of the daemon on ${host.name}`, 50);
      return found!;
    },
    async until<T>(body: ControlRequest, until: (value: T) => boolean, timeout = 10_000, message?: string) {
      let last: T | undefined;
      let failure = '';
      await waitFor(
        async () => {
          last = await op<T>(body, 5000).catch((error: unknown) => {
            failure = String(error);
            return undefined;
          });
          return last !== undefined && until(last);
        },
        timeout,
        () => `${message ?? `${body.op} on ${host.name}`} (last answer: ${JSON.stringify(last)?.slice(0, 500) ?? failure})`,
        100,
      );
      return last!;
    },
  };
}
