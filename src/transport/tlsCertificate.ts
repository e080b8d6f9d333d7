/**
 * TLS certificates bound to a node key, for a public node that has no certificate from a CA: a
 * self-signed ECDSA P-256 certificate (what every browser and TLS stack takes) whose names include
 * `glow-node:ID.SIGNATURE`: the node's id and the node key's signature of the certificate's public
 * key. A Glow peer that dials `wss://` checks that binding instead of a CA chain, and the link
 * handshake then proves the same node id, so no CA is needed and no other certificate passes. A
 * browser is told to trust the certificate by its public key's SHA-256 (`spkiPin`).
 *
 * Certificates come from @peculiar/x509 over WebCrypto; nothing cryptographic is written here.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { NodeId } from '../firefly/address.js';
import { fromBase64url, toBase64url } from './base64url.js';
import type { NodeIdentity } from './identity.js';
import { verifySignature } from './identity.js';

// Node only: node:crypto. Browsers never make or check these; they pin the key (spkiPin).

/** The scheme of the subjectAltName URI that carries the binding (`glow-node:ID.SIGNATURE`). */
const BINDING_SCHEME = 'glow-node:';

/** What the node key signs: this prefix, then the certificate's SubjectPublicKeyInfo (DER). */
const BINDING_CONTEXT = new TextEncoder().encode('glow tls binding v1\0');

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate and its key, PEM, as `https.createServer` takes them. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/** Options of {@link createBoundCertificate}. */
export interface BoundCertificateOptions {
  /** Names and addresses the certificate is for (subjectAltName). */
  hosts: readonly string[];
  /** Days it is valid from now. @default 397 (what browsers accept for a leaf) */
  days?: number;
  /** Now, ms since the epoch. @default Date.now() */
  now?: number;
}

function signedMessage(spki: ArrayBuffer): Uint8Array {
  const message = new Uint8Array(BINDING_CONTEXT.length + spki.byteLength);
  message.set(BINDING_CONTEXT);
  message.set(new Uint8Array(spki), BINDING_CONTEXT.length);
  return message;
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

const isIp = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');

/** A fresh self-signed certificate for `hosts`, bound to `identity`'s node key. */
export async function createBoundCertificate(identity: NodeIdentity, options: BoundCertificateOptions): Promise<TlsCredentials> {
  const crypto = webcrypto;
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const spki = await crypto.subtle.exportKey('spki', keys.publicKey);
  const binding = `${BINDING_SCHEME}${identity.id}.${toBase64url(identity.sign(signedMessage(spki)))}`;
  const now = options.now ?? Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '7'),
      name: `CN=glow node ${identity.id.slice(0, 16)}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + (options.days ?? 397) * 86_400_000),
      // node:crypto's WebCrypto types are not the DOM's that @peculiar/x509 names; the objects are the same.
      keys: keys as never,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...options.hosts.map((host) => ({ type: isIp(host) ? ('ip' as const) : ('dns' as const), value: host })), { type: 'url', value: binding }]),
      ],
    },
    crypto as never,
  );
  return { cert: certificate.toString('pem'), key: pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/**
 * The node a certificate (DER, as `getPeerCertificate().raw` gives it) is bound to, when its
 * binding is valid and it is within its validity period; undefined for any other certificate,
 * malformed ones included (this reads what a peer sent).
 */
export function boundNode(der: Uint8Array, now = Date.now()): NodeId | undefined {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(der);
  } catch {
    return undefined;
  }
  if (certificate.notBefore.getTime() > now || certificate.notAfter.getTime() < now) return undefined;
  const names = certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  for (const name of names) {
    if (name.type !== 'url' || !name.value.startsWith(BINDING_SCHEME)) continue;
    const [id, signature] = name.value.slice(BINDING_SCHEME.length).split('.');
    const bytes = signature === undefined ? undefined : fromBase64url(signature);
    if (id && bytes && verifySignature(id, signedMessage(certificate.publicKey.rawData), bytes)) return id;
  }
  return undefined;
}

/**
 * The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what Chromium's
 * `--ignore-certificate-errors-spki-list` and HPKP-style pins name.
 */
export async function spkiPin(certPem: string): Promise<string> {
  const certificate = new x509.X509Certificate(certPem);
  const digest = await webcrypto.subtle.digest('SHA-256', certificate.publicKey.rawData);
  return Buffer.from(digest).toString('base64');
}
