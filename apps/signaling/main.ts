/**
 * The Glow signaling server as a program:
 *
 *   node --import tsx apps/signaling/main.ts --listen 127.0.0.1:8787
 *
 * Prints one JSON line per event on stdout (the first: `signaling.listening` with the URLs) and
 * stops cleanly on SIGINT/SIGTERM. `--help` lists the options.
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '../../src/firefly/errors.js';
import { allowOrigins } from '../../src/transport/originCheck.js';
import { startSignalingServer } from './server.js';

const USAGE = `Usage: node --import tsx apps/signaling/main.ts [options]

Relays WebRTC offers, answers and candidates between Glow nodes that registered with a signed
proof of their id, and answers STUN Binding requests beside it.

Options:
  --listen HOST:PORT       WebSocket address (default 127.0.0.1:8787; port 0 picks one)
  --stun HOST:PORT         STUN responder address (default the --listen host, UDP port 3478)
  --no-stun                run no STUN responder
  --ice-server URL         another ICE server to advertise to nodes (repeatable)
  --max-message-bytes N    largest message accepted (default 65536)
  --rate N                 messages per second per connection (default 50)
  --burst N                messages at once per connection (default 100)
  --max-per-address N      connections at once from one address (default 64)
  --register-rate N        registrations per second from one address (default 2, 30 at once)
  --allow-origin ORIGIN    a web page origin that may connect, e.g. http://127.0.0.1:7717
                           (repeatable; by default only programs, which send no Origin)
  --quiet                  print only the listening line and errors
  -h, --help               show this help
`;

/** Splits `host:port` (or `[v6]:port`); throws a usage error for anything else. */
function hostPort(text: string, option: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new UsageError(`${option} expects HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: match[1] ?? match[2]!, port };
}

function positive(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${option} expects a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

/** An `--allow-origin` value: an http(s) origin, nothing after the port. */
function webOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== text.replace(/\/$/, '').toLowerCase()) {
    throw new UsageError(`--allow-origin expects an origin like http://host:port, got ${JSON.stringify(text)}`);
  }
  return url.origin;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      listen: { type: 'string', default: '127.0.0.1:8787' },
      stun: { type: 'string' },
      'no-stun': { type: 'boolean', default: false },
      'ice-server': { type: 'string', multiple: true, default: [] },
      'max-message-bytes': { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      'max-per-address': { type: 'string' },
      'register-rate': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true, default: [] },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const listen = hostPort(values.listen, '--listen');
  const stun = values.stun === undefined ? { host: listen.host, port: 3478 } : hostPort(values.stun, '--stun');
  const print = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
  const server = await startSignalingServer({
    host: listen.host,
    port: listen.port,
    stun: !values['no-stun'],
    stunHost: stun.host,
    stunPort: stun.port,
    iceServers: values['ice-server'],
    maxMessageBytes: positive(values['max-message-bytes'], '--max-message-bytes'),
    ratePerSecond: positive(values.rate, '--rate'),
    rateBurst: positive(values.burst, '--burst'),
    maxConnectionsPerAddress: positive(values['max-per-address'], '--max-per-address'),
    registrationsPerSecond: positive(values['register-rate'], '--register-rate'),
    allowOrigin: allowOrigins(values['allow-origin'].map((origin) => webOrigin(origin))),
    log: values.quiet ? undefined : (event) => print({ ...event, ...('error' in event ? { error: String(event.error) } : {}) }),
  });
  const stop = (signal: string) => {
    print({ event: 'signaling.stopping', signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        print({ event: 'signaling.stopFailed', error: String(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // Last: whoever waits for this line may signal us at once.
  print({ event: 'signaling.listening', url: server.url, stun: server.stunUrl ?? null });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`signaling: ${errorMessage(error)}\n${usage ? 'Try --help.\n' : ''}`);
  process.exit(usage ? 2 : 1);
});
