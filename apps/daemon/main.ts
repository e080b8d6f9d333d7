/**
 * The daemon as a program, until the `glow daemon` command exists (and for tests):
 *
 *   node --import tsx apps/daemon/main.ts [--home DIR] [--listen HOST:PORT] [--http HOST:PORT] …
 *
 * Flags are those of `glow daemon` (see options.ts); exit statuses are EXIT_CODES (errors.ts).
 */
import { parseArgs } from 'node:util';
import { runDaemon } from './daemon.js';
import { EXIT_CODES } from './errors.js';
import { LOG_LEVELS, type DaemonOptions, type LogLevel } from './options.js';

const USAGE = `Usage: node --import tsx apps/daemon/main.ts [options]

  --home DIR              home directory (default $GLOW_HOME, else ~/.glow)
  --listen HOST:PORT      WebSocket link listener (default 127.0.0.1:0)
  --http HOST:PORT        status page, control channel, gateway (default 127.0.0.1:7717, ephemeral if busy)
  --signaling URL         register with a signaling server (repeatable)
  --connect URL           link to another daemon's listener (repeatable)
  --embedded-signaling    run a signaling server inside the daemon
  --name NAME             a human name for this node
  --no-mdns               no LAN discovery
  --mdns-interface ADDR   multicast interface (default 127.0.0.1 for a loopback listener, else all)
  --mdns-port PORT        mDNS UDP port (default 5353)
  --web / --no-web        serve the status page on the HTTP port (default on)
  --log-level LEVEL       ${LOG_LEVELS.join(', ')} (default info)
  --plugin MODULE         load process kinds from a module or path (repeatable)
  -h, --help              show this help
`;

function parse(argv: string[]): DaemonOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      home: { type: 'string' },
      listen: { type: 'string' },
      http: { type: 'string' },
      signaling: { type: 'string', multiple: true },
      connect: { type: 'string', multiple: true },
      'embedded-signaling': { type: 'boolean' },
      name: { type: 'string' },
      mdns: { type: 'boolean' },
      'no-mdns': { type: 'boolean' },
      'mdns-interface': { type: 'string' },
      'mdns-port': { type: 'string' },
      web: { type: 'boolean' },
      'no-web': { type: 'boolean' },
      'log-level': { type: 'string' },
      plugin: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const flag = (on: boolean | undefined, off: boolean | undefined) => (off ? false : on ? true : undefined);
  const port = values['mdns-port'];
  return {
    home: values.home,
    listen: values.listen,
    http: values.http,
    signaling: values.signaling,
    connect: values.connect,
    embeddedSignaling: values['embedded-signaling'],
    name: values.name,
    mdns: flag(values.mdns, values['no-mdns']),
    mdnsInterface: values['mdns-interface'],
    mdnsPort: port === undefined ? undefined : /^\d+$/.test(port) ? Number(port) : (port as never),
    web: flag(values.web, values['no-web']),
    logLevel: values['log-level'] as LogLevel | undefined,
    plugins: values.plugin,
  };
}

let options: DaemonOptions | undefined;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`glow daemon: ${(error as Error).message}\nTry --help.\n`);
  process.exit(EXIT_CODES.usage);
}
if (!options) {
  process.stdout.write(USAGE);
  process.exit(EXIT_CODES.ok);
}
process.exit(await runDaemon(options));
