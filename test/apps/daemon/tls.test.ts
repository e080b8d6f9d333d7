/**
 * `glow daemon --tls` (apps/daemon/tls.ts): a public node serves links, HTTP and signaling over
 * TLS with a certificate bound to its node key and kept in its home. The CLI trusts exactly that
 * certificate (read from the home), other daemons link over wss:// with no CA, a client that
 * wants a CA is refused, and a restart keeps the certificate (browsers pinned its key).
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { get } from 'node:https';
import { join } from 'node:path';
import type { PeerValue, StatusValue } from '../../../apps/daemon/control.js';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { boundNode, spkiPin } from '../../../src/transport/tlsCertificate.js';
import { ask, glow, startDaemon, stopAll, tempHome } from '../cli/glowProcess.js';
import { waitFor } from '../../helpers/waitFor.js';

afterAll(stopAll);

test('a --tls daemon serves https and wss with a certificate bound to its key, which the CLI and other daemons trust without a CA', async () => {
  const home = await tempHome('glow-tls-');
  const vps = await startDaemon(home, ['--tls', '--embedded-signaling', '--no-mdns']);
  expect(vps.info.http).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(vps.info.link).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
  expect(vps.info.signaling).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
  const cert = await readFile(join(home, 'tls.cert'), 'utf8');
  expect(boundNode(new X509Certificate(cert).raw)).toBe(vps.info.node);
  expect((await stat(join(home, 'tls.key'))).mode & 0o777).toBe(0o600);

  const status = await glow(['status', '--json', '--home', home]);
  expect({ code: status.code, stderr: status.stderr }).toEqual({ code: EXIT.ok, stderr: '' });
  expect((JSON.parse(status.stdout) as StatusValue).node).toBe(vps.info.node);

  // A client that wants a CA gets a TLS error, not an answer.
  const refused = await new Promise<string>((resolve) => get(`${vps.info.http}/api/info`, () => resolve('answered')).on('error', (error: NodeJS.ErrnoException) => resolve(String(error.code))));
  expect(refused).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');

  const laptop = await startDaemon(await tempHome('glow-tls-laptop-'), ['--connect', vps.info.link, '--no-mdns']);
  await waitFor(async () => (await ask<PeerValue[]>(laptop, { op: 'peers' })).some((peer) => peer.node === vps.info.node), 15_000, 'the laptop to link to the VPS over wss', 100);
}, 60_000);

test('a restart keeps the certificate, so a browser that trusted its key still does', async () => {
  const home = await tempHome('glow-tls-restart-');
  const first = await startDaemon(home, ['--tls', '--no-mdns']);
  const pin = await spkiPin(await readFile(join(home, 'tls.cert'), 'utf8'));
  first.child.kill('SIGTERM');
  await first.exited;
  await startDaemon(home, ['--tls', '--no-mdns']);
  expect(await spkiPin(await readFile(join(home, 'tls.cert'), 'utf8'))).toBe(pin);
}, 60_000);

test('a certificate without its key, or a key file that cannot be read, stops the start with a clear reason', async () => {
  const home = await tempHome('glow-tls-bad-');
  const alone = await glow(['daemon', '--home', home, '--tls-cert', '/nonexistent/cert.pem', '--no-mdns']);
  expect(alone.code).toBe(EXIT.usage);
  expect(alone.stderr).toMatch(/--tls-cert and --tls-key go together/);
  const missing = await glow(['daemon', '--home', home, '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem', '--no-mdns', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0']);
  expect(missing.code).toBe(EXIT.badHome);
  expect(missing.stderr).toMatch(/cannot read the TLS certificate \/nonexistent\/cert\.pem/);
}, 30_000);
