/**
 * `wss://` links (websocketServer.ts with `tls`, tlsCertificate.ts): a listener with a certificate
 * bound to its node key links with any node and no CA; a certificate bound to another node, or to
 * none, is refused with `denied` once the handshake shows who answered; TLS garbage leaves the
 * listener running.
 */
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { isGlowError } from '../../src/firefly/errors.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import { boundNode, createBoundCertificate, spkiPin, type TlsCredentials } from '../../src/transport/tlsCertificate.js';
import { connectWebSocket } from '../../src/transport/websocket.js';
import { createNodeWebSocket, listenWebSocket, type WebSocketListener } from '../../src/transport/websocketServer.js';
import type { FramedLink } from '../../src/transport/framedLink.js';
import { X509Certificate } from 'node:crypto';

const listeners: WebSocketListener[] = [];
const links: FramedLink[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) link.close('test over');
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
});

async function listen(identity: NodeIdentity, tls: TlsCredentials): Promise<WebSocketListener> {
  const listener = await listenWebSocket({ identity, tls, onLink: (link) => links.push(link) });
  listeners.push(listener);
  return listener;
}

const dial = (url: string) => connectWebSocket(url, createIdentity(), { createSocket: (target) => createNodeWebSocket(target) });

/** A self-signed certificate with no binding, as any TLS server might have. */
async function unboundCertificate(): Promise<TlsCredentials> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    { serialNumber: '01', name: 'CN=127.0.0.1', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), keys: keys as never, signingAlgorithm: algorithm },
    webcrypto as never,
  );
  const key = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return { cert: cert.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${key}\n-----END PRIVATE KEY-----\n` };
}

test('a certificate bound to the node key names that node, and nothing else passes for it', async () => {
  const node = createIdentity();
  const { cert } = await createBoundCertificate(node, { hosts: ['127.0.0.1'] });
  const der = new X509Certificate(cert).raw;
  expect(boundNode(der)).toBe(node.id);
  // Expired, tampered or not a certificate at all: bound to nobody.
  expect(boundNode(der, Date.now() + 400 * 86_400_000)).toBeUndefined();
  const tampered = Uint8Array.from(der);
  tampered[tampered.length - 120]! ^= 1;
  expect(boundNode(tampered)).toBeUndefined();
  expect(boundNode(new Uint8Array([0x30, 0x03, 1, 2, 3]))).toBeUndefined();
  expect(boundNode(new X509Certificate((await unboundCertificate()).cert).raw)).toBeUndefined();
  expect(await spkiPin(cert)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
});

test('a node links over wss:// to a listener whose certificate is bound to its key, with no CA', async () => {
  const server = createIdentity();
  const listener = await listen(server, await createBoundCertificate(server, { hosts: ['127.0.0.1'] }));
  expect(listener.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
  const link = await dial(listener.url);
  links.push(link);
  expect(link.remote).toBe(server.id);
});

test('a certificate bound to another node, or to none, is refused with denied', async () => {
  const server = createIdentity();
  for (const tls of [await createBoundCertificate(createIdentity(), { hosts: ['127.0.0.1'] }), await unboundCertificate()]) {
    const listener = await listen(server, tls);
    const outcome = await dial(listener.url).catch((error: unknown) => error);
    expect(isGlowError(outcome) && outcome.code).toBe('denied');
    expect(String((outcome as Error).message)).toMatch(/neither a CA nor .* key vouches/);
  }
});

test('a client that speaks garbage instead of TLS ends its own connection; the listener goes on', async () => {
  const server = createIdentity();
  const listener = await listen(server, await createBoundCertificate(server, { hosts: ['127.0.0.1'] }));
  const port = Number(new URL(listener.url).port);
  const { createConnection } = await import('node:net');
  const garbage = createConnection({ host: '127.0.0.1', port });
  await once(garbage, 'connect');
  garbage.write(Buffer.from('GET / HTTP/1.1\r\n\r\n\x00\x01\x02'));
  await once(garbage, 'close');
  // A TLS client that refuses our certificate (it wants a CA): also only its own connection.
  const strict = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: true });
  await once(strict, 'error');
  strict.destroy();
  const link = await dial(listener.url);
  links.push(link);
  expect(link.remote).toBe(server.id);
});
