/**
 * The daemon's own web origins: the addresses its HTTP port serves the web app on. Pages of these
 * origins alone, among browser pages, may open the daemon's WebSockets (links, embedded
 * signaling), use a login session and send requests to the control channel; programs send no
 * `Origin` and are judged by their token instead.
 *
 * They are `http://127.0.0.1:PORT`, `http://localhost:PORT` and `http://[::1]:PORT`; the `--http`
 * host when it is a LAN address; when `--http` listens on every interface (`0.0.0.0`, `::`),
 * every address of this machine's interfaces (read at each check: DHCP moves them) and its host
 * name (`name` and `name.local`, as mDNS spells it); and each `--origin`.
 */
import { hostname, networkInterfaces } from 'node:os';
import { canonicalOrigin, type OriginPolicy } from '../../src/transport/originCheck.js';

/** The daemon's web origins; empty until the HTTP port listens. */
export interface WebOrigins {
  /** The HTTP port is known: its origins count from now on. */
  listening(port: number): void;
  /** True for one of the daemon's own web origins. */
  readonly allows: OriginPolicy;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The origins of an HTTP port bound to `host`, plus `extra` (`--origin`, full origins). */
export function webOrigins(host: string, extra: readonly string[], secure = false): WebOrigins {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const extras = new Set(extra.map(canonicalOrigin));
  let port: number | undefined;
  const hosts = (): string[] => {
    if (!wildcard) return [...LOOPBACK_NAMES, bracketed(host)];
    const name = hostname().toLowerCase();
    const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => bracketed(entry.address)));
    return [...LOOPBACK_NAMES, name, `${name}.local`, ...addresses];
  };
  return {
    listening(value) {
      port = value;
    },
    allows(origin) {
      const canonical = canonicalOrigin(origin);
      if (extras.has(canonical)) return true;
      if (port === undefined) return false;
      // Browsers leave the default port out of an origin.
      const suffix = port === (secure ? 443 : 80) ? '' : `:${port}`;
      const scheme = secure ? 'https' : 'http';
      return hosts().some((name) => canonical === `${scheme}://${name}${suffix}`);
    },
  };
}

function bracketed(address: string): string {
  return address.includes(':') ? `[${address.toLowerCase()}]` : address.toLowerCase();
}
