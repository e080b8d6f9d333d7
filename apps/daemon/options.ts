/**
 * The daemon's settings: flags ({@link DaemonOptions}) and the optional `DIR/config.json`
 * ({@link DaemonConfig}) merged over documented defaults. Flags win over the file, the file over
 * the defaults; no setting is required. A repeatable flag given at least once replaces the file's
 * list (it does not add to it).
 *
 * | flag | config key | default |
 * | --- | --- | --- |
 * | `--home DIR` | (none: the file lives there) | `$GLOW_HOME`, else `~/.glow` |
 * | `--listen HOST:PORT` | `listen` | `127.0.0.1:0` (loopback, ephemeral port) |
 * | `--http HOST:PORT` | `http` | `127.0.0.1:7717`, an ephemeral port when 7717 is busy |
 * | `--signaling URL` (repeatable) | `signaling` | none |
 * | `--connect URL` (repeatable) | `connect` | none |
 * | `--embedded-signaling` | `embeddedSignaling` | off (`npm start` turns it on) |
 * | `--name NAME` | `name` | none |
 * | `--no-mdns` | `mdns` | on |
 * | `--mdns-interface ADDR` | `mdnsInterface` | `127.0.0.1` when `listen` is loopback, else every interface |
 * | `--mdns-port PORT` | `mdnsPort` | 5353 |
 * | `--web` / `--no-web` | `web` | on |
 * | `--origin ORIGIN` (repeatable) | `origins` | none: the web app's pages are those of `--http`'s own addresses (webOrigins.ts) |
 * | `--log-level LEVEL` | `logLevel` | `info` |
 * | `--plugin MODULE` (repeatable) | `plugins` | none |
 * | `--allow-exec` | `allowExec` | off: jobs' `exec` steps are refused on this node |
 * | `--transit own\|friends` | `transit` | `own`: relays traffic between this user's devices only |
 * | `--max-steps N` | `maxSteps` | the number of CPU cores: job steps run here at once |
 * | (none) | `workerLoadFile` | none: the load this node reports comes from the CPU (else: a number read from this file) |
 * | (none) | `embeddedStun` | off: loopback and LAN need no STUN |
 * | `--tls` | `tls` | off: plain `ws://` and `http://` (loopback and LAN links are sealed by Glow itself) |
 * | `--tls-cert FILE` `--tls-key FILE` | `tlsCert` `tlsKey` | none: with `--tls`, a certificate bound to the node key (DIR/tls.cert) |
 * | `--stun HOST:PORT` | `stun` | none: a public node runs a STUN responder there and tells the mesh |
 * | `--ice-server URL` (repeatable) | `iceServers` | none: STUN servers learned from the mesh (public nodes') |
 * | (none) | `direct` `{ initial, max }` ms, or `false` | `{ initial: 2000, max: 60000 }` unless `listen` is loopback: direct WebRTC links to this user's devices reached through others |
 * | (none) | `reconnect` `{ initial, max }` ms | `{ initial: 500, max: 30000 }` |
 * | (none) | `stopTimeout` ms | 10000 |
 *
 * `--plugin` paths are resolved against the current directory, `plugins` paths in config.json
 * against DIR; anything else is imported as a package name.
 */
import { cpus, homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v from 'valibot';
import { DaemonError } from './errors.js';

/** Log levels (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What `glow daemon`'s flags map to: every field optional. Leave a field undefined when its flag
 * was not given (with commander, check `getOptionValueSource(key) === 'cli'` for `--no-mdns` and
 * `--web/--no-web`, whose implied defaults would otherwise hide config.json), so config.json
 * applies.
 */
export interface DaemonOptions {
  /** `--home DIR`. @default $GLOW_HOME, else ~/.glow */
  home?: string;
  /** `--listen HOST:PORT`: the WebSocket link listener. @default '127.0.0.1:0' */
  listen?: string;
  /** `--http HOST:PORT`: status page, control channel, HTTP/JSON gateway. @default '127.0.0.1:7717' (ephemeral if busy) */
  http?: string;
  /** `--signaling URL`, repeatable: signaling servers to register with. @default [] */
  signaling?: string[];
  /** `--connect URL`, repeatable: daemons to link to (`ws://host:port` of their link listener). @default [] */
  connect?: string[];
  /** `--embedded-signaling`: run a signaling server inside the daemon. @default false */
  embeddedSignaling?: boolean;
  /** `--tls`: serve links, HTTP and signaling over TLS (`wss://`, `https://`). @default false (true when a certificate is given) */
  tls?: boolean;
  /** `--tls-cert FILE`: a PEM certificate (chain) for TLS, e.g. from a CA. @default one bound to the node key, made in DIR */
  tlsCert?: string;
  /** `--tls-key FILE`: the PEM key of `--tls-cert`. */
  tlsKey?: string;
  /** `--stun HOST:PORT`: run a STUN responder there and tell the mesh (a public node). @default none */
  stun?: string;
  /** `--ice-server URL`, repeatable: STUN servers (`stun:host:port`) for WebRTC links. @default [] (learned from the mesh) */
  iceServers?: string[];
  /** `--name NAME`: a human name, shown in status. @default none */
  name?: string;
  /** `--no-mdns` sets false. @default true */
  mdns?: boolean;
  /** `--mdns-interface ADDR`: IPv4 address of the multicast interface. @default 127.0.0.1 for a loopback listener, else all */
  mdnsInterface?: string;
  /** `--mdns-port PORT`: UDP port of mDNS (tests use their own to stay apart). @default 5353 */
  mdnsPort?: number;
  /** `--web` / `--no-web`: serve the web UI (the status page for now) on the HTTP port. @default true */
  web?: boolean;
  /**
   * `--origin ORIGIN`, repeatable: more origins the web app is served on (a DNS name or a reverse
   * proxy in front of `--http`), whose pages may link, register and log in like the daemon's own.
   * @default []
   */
  origins?: string[];
  /** `--log-level LEVEL`. @default 'info' */
  logLevel?: LogLevel;
  /** `--plugin MODULE`, repeatable: modules to load process kinds from. @default [] */
  plugins?: string[];
  /** `--allow-exec`: jobs' `exec` steps may run here (the owner's jobs only). @default false */
  allowExec?: boolean;
  /** `--max-steps N`: job steps this node runs at once. @default the number of CPU cores */
  maxSteps?: number;
  /** `--transit own|friends`: whose traffic this node relays (own devices', or friends' too). @default 'own' */
  transit?: 'own' | 'friends';
}

/** A `HOST:PORT` address. */
export interface HostPort {
  host: string;
  port: number;
}

/** Everything the daemon runs with, defaults filled in. */
export interface DaemonSettings {
  home: string;
  listen: HostPort;
  http: HostPort;
  /** True when `http` is the default: a busy port falls back to an ephemeral one. */
  httpFallback: boolean;
  signaling: string[];
  connect: string[];
  embeddedSignaling: boolean;
  embeddedStun: boolean;
  /** TLS on the public listeners: a given certificate's files, or one bound to the node key (`bound`); undefined: none. */
  tls: { cert: string; key: string } | 'bound' | undefined;
  /** Where this node runs a STUN responder for the mesh. */
  stun: HostPort | undefined;
  /** `stun:host:port` URLs this node's WebRTC negotiations use before the learned ones. */
  iceServers: string[];
  /** Backoff of direct-link attempts; false: none are made. */
  direct: { initial: number; max: number } | false;
  name: string | undefined;
  mdns: boolean;
  /** undefined: every interface. */
  mdnsInterface: string | undefined;
  mdnsPort: number;
  web: boolean;
  /** Extra web origins (`--origin`), as browsers write them. */
  origins: string[];
  logLevel: LogLevel;
  /** Import specifiers (paths already turned into file URLs). */
  plugins: string[];
  reconnect: { initial: number; max: number };
  stopTimeout: number;
  allowExec: boolean;
  maxSteps: number;
  transit: 'own' | 'friends';
  workerLoadFile: string | undefined;
}

/** The fixed default HTTP port (UI, control, gateway). */
export const DEFAULT_HTTP_PORT = 7717;

const hostPortText = v.pipe(v.string(), v.maxLength(300));
const wsUrl = v.pipe(v.string(), v.regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL'), v.maxLength(2000));
const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const origin = v.pipe(v.string(), v.regex(/^https?:\/\/[^\s/?#]+$/, 'an origin like http://host:port'), v.maxLength(300));
const stunUrl = v.pipe(v.string(), v.regex(/^stun:[^\s/?#]+:\d{1,5}$/, 'a STUN URL like stun:host:port'), v.maxLength(256));
const ms = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3_600_000));

/** The keys `DIR/config.json` may hold (unknown keys are refused, so that a typo is not ignored). */
export const DaemonConfigSchema = v.strictObject({
  listen: v.optional(hostPortText),
  http: v.optional(hostPortText),
  signaling: v.optional(v.array(wsUrl)),
  connect: v.optional(v.array(wsUrl)),
  embeddedSignaling: v.optional(v.boolean()),
  embeddedStun: v.optional(v.boolean()),
  tls: v.optional(v.boolean()),
  tlsCert: v.optional(v.pipe(v.string(), v.minLength(1))),
  tlsKey: v.optional(v.pipe(v.string(), v.minLength(1))),
  stun: v.optional(hostPortText),
  iceServers: v.optional(v.pipe(v.array(stunUrl), v.maxLength(8))),
  direct: v.optional(v.union([v.literal(false), v.strictObject({ initial: v.optional(ms), max: v.optional(ms) })])),
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
  mdns: v.optional(v.boolean()),
  mdnsInterface: v.optional(v.pipe(v.string(), v.ipv4())),
  mdnsPort: v.optional(port),
  web: v.optional(v.boolean()),
  origins: v.optional(v.array(origin)),
  logLevel: v.optional(v.picklist(LOG_LEVELS)),
  plugins: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
  reconnect: v.optional(v.strictObject({ initial: v.optional(ms), max: v.optional(ms) })),
  stopTimeout: v.optional(ms),
  allowExec: v.optional(v.boolean()),
  maxSteps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1024))),
  transit: v.optional(v.picklist(['own', 'friends'])),
  workerLoadFile: v.optional(v.pipe(v.string(), v.minLength(1))),
});

/** The contents of `DIR/config.json`. */
export type DaemonConfig = v.InferOutput<typeof DaemonConfigSchema>;

/** Validates parsed config.json contents; a `usage` {@link DaemonError} names the first bad key. */
export function parseConfig(value: unknown, file: string): DaemonConfig {
  const result = v.safeParse(DaemonConfigSchema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? '(top level)';
  throw new DaemonError('usage', `${file}: ${path}: ${issue.message}`);
}

/** The home directory: the flag, else `$GLOW_HOME`, else `~/.glow`. */
export function resolveHome(options: DaemonOptions, env: NodeJS.ProcessEnv = process.env): string {
  const home = options.home ?? (env.GLOW_HOME || undefined) ?? join(homedir(), '.glow');
  return resolve(home);
}

/** Splits `HOST:PORT` (or `[v6]:PORT`); a `usage` error for anything else. */
export function parseHostPort(text: string, what: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const number = Number(match?.[3]);
  if (!match || number > 65535) throw new DaemonError('usage', `${what} expects HOST:PORT, got ${JSON.stringify(text.slice(0, 100))}`);
  return { host: match[1] ?? match[2]!, port: number };
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./.test(host);
}

/** A plugin specifier as `import()` takes it: paths become file URLs, package names stay. */
export function pluginSpecifier(specifier: string, base: string): string {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  return isPath ? pathToFileURL(resolve(base, specifier)).href : specifier;
}

/** Merges flags over config.json over the defaults (see the table at the top of this file). */
export function resolveSettings(options: DaemonOptions, config: DaemonConfig, home: string, cwd = process.cwd()): DaemonSettings {
  const flags = parseFlags(options);
  const listen = parseHostPort(flags.listen ?? config.listen ?? '127.0.0.1:0', flags.listen ? '--listen' : 'listen');
  const httpText = flags.http ?? config.http;
  const http = httpText ? parseHostPort(httpText, flags.http ? '--http' : 'http') : { host: '127.0.0.1', port: DEFAULT_HTTP_PORT };
  const stun = flags.stun ?? config.stun;
  const direct = config.direct;
  const mdnsInterface = flags.mdnsInterface ?? config.mdnsInterface ?? (isLoopbackHost(listen.host) ? '127.0.0.1' : undefined);
  const plugins = flags.plugins
    ? flags.plugins.map((plugin) => pluginSpecifier(plugin, cwd))
    : (config.plugins ?? []).map((plugin) => pluginSpecifier(plugin, home));
  return {
    home,
    listen,
    http,
    httpFallback: httpText === undefined,
    signaling: flags.signaling ?? config.signaling ?? [],
    connect: flags.connect ?? config.connect ?? [],
    embeddedSignaling: flags.embeddedSignaling ?? config.embeddedSignaling ?? false,
    embeddedStun: config.embeddedStun ?? false,
    tls: tlsSetting(flags, config, flags.tlsCert ? cwd : home),
    stun: stun === undefined ? undefined : parseHostPort(stun, flags.stun ? '--stun' : 'stun'),
    iceServers: flags.iceServers ?? config.iceServers ?? [],
    direct: direct === false || (direct === undefined && isLoopbackHost(listen.host)) ? false : { initial: direct?.initial ?? 2000, max: direct?.max ?? 60_000 },
    name: flags.name ?? config.name,
    mdns: flags.mdns ?? config.mdns ?? true,
    mdnsInterface,
    mdnsPort: flags.mdnsPort ?? config.mdnsPort ?? 5353,
    web: flags.web ?? config.web ?? true,
    origins: (flags.origins ?? config.origins ?? []).map((text) => new URL(text).origin),
    logLevel: flags.logLevel ?? config.logLevel ?? 'info',
    plugins,
    reconnect: { initial: config.reconnect?.initial ?? 500, max: config.reconnect?.max ?? 30_000 },
    stopTimeout: config.stopTimeout ?? 10_000,
    allowExec: flags.allowExec ?? config.allowExec ?? false,
    maxSteps: flags.maxSteps ?? config.maxSteps ?? cpus().length,
    transit: flags.transit ?? config.transit ?? 'own',
    workerLoadFile: config.workerLoadFile === undefined ? undefined : resolve(home, config.workerLoadFile),
  };
}

/**
 * TLS from the flags over config.json: a certificate and key given together (paths from the
 * flags against the current directory, from the file against DIR), or `--tls` alone for one bound
 * to the node key.
 */
function tlsSetting(flags: Omit<DaemonOptions, 'home'>, config: DaemonConfig, base: string): DaemonSettings['tls'] {
  const cert = flags.tlsCert ?? config.tlsCert;
  const key = flags.tlsKey ?? config.tlsKey;
  if ((cert === undefined) !== (key === undefined)) throw new DaemonError('usage', '--tls-cert and --tls-key go together: a certificate and its key');
  if (cert !== undefined && key !== undefined) {
    if ((flags.tls ?? config.tls) === false) throw new DaemonError('usage', 'tls is off but a certificate is given (--tls-cert, --tls-key)');
    return { cert: resolve(base, cert), key: resolve(base, key) };
  }
  return (flags.tls ?? config.tls) ? 'bound' : undefined;
}

/** Validates the flags with the same rules as config.json, naming the flag in the message. */
function parseFlags(options: DaemonOptions): Omit<DaemonOptions, 'home'> {
  const { home: _home, ...flags } = options;
  const defined = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const result = v.safeParse(DaemonConfigSchema, defined);
  if (result.success) return result.output as Omit<DaemonOptions, 'home'>;
  const issue = result.issues[0];
  const key = String(issue.path?.[0]?.key ?? '');
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^plugins$/, 'plugin').replace(/^origins$/, 'origin')}`;
  throw new DaemonError('usage', `${flag}: ${issue.message}`);
}
