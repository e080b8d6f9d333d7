/**
 * `glow daemon` (run a daemon in this process, in the foreground) and `glow stop` (ask a running
 * one to exit).
 *
 * Flags map one to one onto {@link DaemonOptions}; a flag that was not given stays undefined so
 * that `DIR/config.json` applies (flags win over the file, the file over the defaults). The
 * daemon itself (daemon.ts: mesh, transports, servers) is imported only when this command runs,
 * so the client commands start fast.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LOG_LEVELS, resolveHome, type DaemonOptions } from '../../options.js';
import { parseHostPort, parseName, repeatable, urlParser } from '../args.js';
import { CliError, EXIT, type ExitCode } from '../exitCodes.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';

/** What commander collects from `glow daemon`'s flags. */
export interface DaemonFlags {
  home?: string;
  listen?: string;
  http?: string;
  signaling?: string[];
  connect?: string[];
  embeddedSignaling?: boolean;
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  stun?: string;
  iceServer?: string[];
  name?: string;
  mdns?: boolean;
  mdnsInterface?: string;
  mdnsPort?: number;
  web?: boolean;
  origin?: string[];
  logLevel?: DaemonOptions['logLevel'];
  plugin?: string[];
  allowExec?: boolean;
  maxSteps?: number;
  transit?: 'own' | 'friends';
  json?: boolean;
}

const wsUrl = urlParser(['ws:', 'wss:']);

function stunUrl(text: string): string {
  if (!/^stun:[^\s/?#]+:\d{1,5}$/.test(text)) throw new InvalidArgumentError(`expected a STUN URL like stun:host:port, got ${JSON.stringify(text.slice(0, 100))}`);
  return text;
}

/** Checks HOST:PORT at parse time (a one-line usage error) but hands the daemon the text. */
function hostPortText(text: string): string {
  parseHostPort(text);
  return text;
}

function stepCount(text: string): number {
  const count = Number(text);
  if (!/^\d{1,4}$/.test(text) || count > 1024) throw new InvalidArgumentError(`expected a number of steps (0-1024), got ${JSON.stringify(text)}`);
  return count;
}

function portNumber(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) throw new InvalidArgumentError(`expected a port (0-65535), got ${JSON.stringify(text)}`);
  return port;
}

/**
 * The daemon's options from the flags the user gave. `valueSource(key)` is commander's
 * `getOptionValueSource`: only `'cli'` values count, so the implied defaults of `--no-mdns` and
 * `--web/--no-web` never hide config.json.
 */
export function daemonOptions(flags: DaemonFlags, valueSource: (key: string) => string | undefined): DaemonOptions {
  const given = (key: keyof DaemonFlags) => valueSource(key) === 'cli';
  const options: DaemonOptions = {};
  if (given('home')) options.home = flags.home;
  if (given('listen')) options.listen = flags.listen;
  if (given('http')) options.http = flags.http;
  if (given('signaling')) options.signaling = flags.signaling;
  if (given('connect')) options.connect = flags.connect;
  if (given('embeddedSignaling')) options.embeddedSignaling = flags.embeddedSignaling;
  if (given('tls')) options.tls = flags.tls;
  if (given('tlsCert')) options.tlsCert = flags.tlsCert;
  if (given('tlsKey')) options.tlsKey = flags.tlsKey;
  if (given('stun')) options.stun = flags.stun;
  if (given('iceServer')) options.iceServers = flags.iceServer;
  if (given('name')) options.name = flags.name;
  if (given('mdns')) options.mdns = flags.mdns;
  if (given('mdnsInterface')) options.mdnsInterface = flags.mdnsInterface;
  if (given('mdnsPort')) options.mdnsPort = flags.mdnsPort;
  if (given('web')) options.web = flags.web;
  if (given('origin')) options.origins = flags.origin;
  if (given('logLevel')) options.logLevel = flags.logLevel;
  if (given('plugin')) options.plugins = flags.plugin;
  if (given('allowExec')) options.allowExec = flags.allowExec;
  if (given('maxSteps')) options.maxSteps = flags.maxSteps;
  if (given('transit')) options.transit = flags.transit;
  return options;
}

/** Registers `daemon` and `stop`. */
export function registerDaemonCommands(program: Command, io: CliIo): void {
  program
    .command('daemon')
    .description('run a Glow daemon in the foreground (zero configuration: every flag is optional)')
    .option('--home <dir>', 'home directory: key pair, config.json, control token (default: $GLOW_HOME, else ~/.glow)')
    .option('--listen <host:port>', 'WebSocket link listener; port 0 picks one (default: 127.0.0.1:0)', hostPortText)
    .option('--http <host:port>', 'web UI, control channel and HTTP/JSON gateway (default: 127.0.0.1:7717, another port if busy)', hostPortText)
    .option('--signaling <url>', 'a signaling server to register with (repeatable)', repeatable(wsUrl))
    .option('--connect <url>', "another daemon's link listener (ws://host:port) to link to (repeatable)", repeatable(wsUrl))
    .option('--embedded-signaling', 'run a signaling server inside the daemon')
    .option('--tls', 'serve links, HTTP and signaling over TLS (wss://, https://), with a certificate bound to the node key unless --tls-cert is given')
    .option('--tls-cert <file>', 'a PEM certificate (chain) for TLS, e.g. from a CA; with --tls-key')
    .option('--tls-key <file>', 'the PEM key of --tls-cert')
    .option('--stun <host:port>', 'run a STUN responder there (a public node: its public address) and tell the mesh, for direct links between homes behind NATs', hostPortText)
    .option('--ice-server <url>', 'a STUN server (stun:host:port) for WebRTC links, used before those learned from the mesh (repeatable)', repeatable(stunUrl))
    .option('--name <name>', 'a human name for this node', parseName)
    .option('--no-mdns', 'do not advertise or discover daemons on the LAN (mDNS/DNS-SD)')
    .option('--mdns-interface <addr>', 'IPv4 address of the multicast interface (default: 127.0.0.1 for a loopback listener, else all)')
    .option('--mdns-port <port>', 'UDP port for mDNS (default: 5353)', portNumber)
    .option('--web', 'serve the web UI on the HTTP port (default)')
    .option('--no-web', 'do not serve the web UI')
    .option('--origin <origin>', 'another origin the web UI is reached at (http://name:port; repeatable): its pages may link and log in', repeatable(String))
    .addOption(new Option('--log-level <level>', 'log verbosity (default: info)').choices(LOG_LEVELS))
    .option('--plugin <module>', 'load process kinds from a module specifier or path (repeatable)', repeatable(String))
    .option('--allow-exec', "let jobs' exec steps run command lines here (only the owner's jobs)")
    .option('--max-steps <n>', 'job steps this node runs at once (default: the number of CPU cores)', stepCount)
    .addOption(new Option('--transit <whose>', "relay traffic between this user's devices only (own), or friends' devices too (default: own)").choices(['own', 'friends']))
    .option('--json', 'log JSON lines even when stdout is a terminal (the same as --log-format json)')
    .addOption(new Option('--log-format <format>', 'pretty (human-readable, the default on a terminal) or json (JSON lines, the default elsewhere)').choices(['pretty', 'json']))
    .action(async (flags: DaemonFlags & { logFormat?: 'pretty' | 'json' }, command: Command) => {
      const options = daemonOptions(flags, (key) => command.getOptionValueSource(key));
      const code = await runDaemonCommand(options, flags.json === true || flags.logFormat === 'json');
      // runDaemon has printed its one-line reason already.
      if (code !== EXIT.ok) throw new CliError(code as ExitCode, '');
    });

  clientCommand(program.command('stop'))
    .description('ask the daemon to stop cleanly (processes terminated in supervision order, links closed)')
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'stop' }, () => 'stopping\n');
    });
}

/**
 * Runs the daemon until it stops (apps/daemon/daemon.ts `runDaemon`: graceful stop on
 * SIGTERM/SIGINT, a start failure printed as one line) and resolves with its exit status.
 */
async function runDaemonCommand(options: DaemonOptions, json: boolean): Promise<number> {
  const { runDaemon } = await import('../../daemon.js');
  // Logs are JSON lines unless stdout is a terminal; --json asks for them on a terminal too.
  if (!json || !process.stdout.isTTY) return runDaemon(options);
  const [{ createLogger }, { readConfig }] = await Promise.all([import('../../log.js'), import('../../home.js')]);
  // The level the daemon would pick; a config.json it cannot read is reported by the start itself.
  const config = await readConfig(resolveHome(options)).catch(() => ({ logLevel: undefined }));
  return runDaemon(options, { logger: createLogger({ level: options.logLevel ?? config.logLevel ?? 'info', pretty: false }) });
}
