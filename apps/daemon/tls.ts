/**
 * The daemon's TLS certificate, for a public node's listeners (`--tls`): the files given with
 * `--tls-cert` and `--tls-key` (a CA's), or a certificate bound to the node key (tlsCertificate.ts)
 * kept in DIR and made again when it no longer names the daemon's addresses or nears its end.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../src/firefly/errors.js';
import type { NodeIdentity } from '../../src/transport/identity.js';
import { boundNode, createBoundCertificate, spkiPin, type TlsCredentials } from '../../src/transport/tlsCertificate.js';
import { writeFileAtomic } from './atomicFile.js';
import { DaemonError } from './errors.js';
import { HOME_FILES } from './home.js';
import type { DaemonSettings } from './options.js';

/** A bound certificate with less than this left is made again at start. */
const RENEW_BEFORE = 30 * 86_400_000;

/** The certificate in use and the pin browsers can trust it by. */
export interface DaemonTls extends TlsCredentials {
  /** Base64 SHA-256 of its public key (Chromium's `--ignore-certificate-errors-spki-list`). */
  pin: string;
  /** True when it is bound to the node key (no CA). */
  bound: boolean;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Whether a certificate (PEM) is bound to `node`, names every host and lasts past the renewal margin. */
function stillGood(cert: string, node: string, hosts: readonly string[], now: number): boolean {
  try {
    const parsed = new X509Certificate(cert);
    // "IP Address:198.51.100.2, DNS:localhost, URI:glow-node:…"
    const names = new Set((parsed.subjectAltName ?? '').split(', ').map((name) => name.slice(name.indexOf(':') + 1)));
    return boundNode(parsed.raw, now) === node && Date.parse(parsed.validTo) - now > RENEW_BEFORE && hosts.every((host) => names.has(host));
  } catch {
    return false;
  }
}

/**
 * Loads or makes the certificate `setting` asks for; undefined without TLS. A `home` error when a
 * given file cannot be read or is not a certificate and key.
 */
export async function loadTls(setting: DaemonSettings['tls'], home: string, identity: NodeIdentity, hosts: readonly string[]): Promise<DaemonTls | undefined> {
  if (setting === undefined) return undefined;
  if (setting !== 'bound') {
    const read = async (file: string, what: string) => {
      try {
        return await readFile(file, 'utf8');
      } catch (error) {
        throw new DaemonError('home', `cannot read the TLS ${what} ${file}: ${errorMessage(error)}`);
      }
    };
    // One after the other: when both are missing, the reason names the certificate, every time.
    const cert = await read(setting.cert, 'certificate');
    const key = await read(setting.key, 'key');
    let pin: string;
    try {
      pin = await spkiPin(cert);
    } catch (error) {
      throw new DaemonError('home', `${setting.cert} is not a PEM certificate: ${errorMessage(error)}`);
    }
    return { cert, key, pin, bound: false };
  }
  const names = [...new Set(['127.0.0.1', 'localhost', ...hosts.filter((host) => !WILDCARDS.has(host))])];
  const certFile = join(home, HOME_FILES.tlsCert);
  const keyFile = join(home, HOME_FILES.tlsKey);
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8').catch(() => undefined), readFile(keyFile, 'utf8').catch(() => undefined)]);
  if (cert && key && stillGood(cert, identity.id, names, Date.now())) return { cert, key, pin: await spkiPin(cert), bound: true };
  const made = await createBoundCertificate(identity, { hosts: names });
  await writeFileAtomic(keyFile, made.key, 0o600);
  await writeFileAtomic(certFile, made.cert, 0o644);
  return { ...made, pin: await spkiPin(made.cert), bound: true };
}
