/**
 * /fs content cannot script the daemon's origin (apps/daemon/fsContentHeaders.ts): every answer
 * is sandboxed and never sniffed, and active types (HTML, SVG, XML, unknown) come as downloads,
 * while passive ones (text, images) stay inline.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentDisposition, isPassiveType } from '../../../apps/daemon/fsContentHeaders.js';
import { useDaemons } from './helpers.js';

const daemons = useDaemons();

const FILES: Record<string, string> = {
  'page.html': '<script>indexedDB.open("glow")</script>',
  'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  'feed.xml': '<?xml version="1.0"?><x/>',
  'blob.weird': '<html><script>alert(1)</script></html>',
  'notes.txt': 'plain words',
  'pixel.png': 'not really a png',
};

test('serves HTML, SVG, XML and unknown types as sandboxed downloads, text and images inline, all sandboxed and never sniffed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'glow-fs-headers-'));
  try {
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(root, name), text);
    const daemon = await daemons.start();
    await daemon.op({ op: 'spawn', kind: 'fs', args: { root }, name: 'docs' });
    const headers = await daemon.bearer();
    const answers: Record<string, { disposition: string; csp: string | null; nosniff: string | null }> = {};
    for (const name of Object.keys(FILES)) {
      const response = await fetch(`${daemon.info.http}/fs/docs/${name}`, { headers });
      expect({ name, status: response.status, body: await response.text() }).toEqual({ name, status: 200, body: FILES[name] });
      answers[name] = {
        disposition: (response.headers.get('content-disposition') ?? '').split(';')[0]!,
        csp: response.headers.get('content-security-policy'),
        nosniff: response.headers.get('x-content-type-options'),
      };
    }
    const sandboxed = { csp: 'sandbox', nosniff: 'nosniff' };
    expect(answers).toEqual({
      'page.html': { disposition: 'attachment', ...sandboxed },
      'logo.svg': { disposition: 'attachment', ...sandboxed },
      'feed.xml': { disposition: 'attachment', ...sandboxed },
      'blob.weird': { disposition: 'attachment', ...sandboxed },
      'notes.txt': { disposition: 'inline', ...sandboxed },
      'pixel.png': { disposition: 'inline', ...sandboxed },
    });
    // Listings and failures are sandboxed too.
    for (const path of ['/fs/docs/', '/fs/docs/missing.html']) {
      const response = await fetch(`${daemon.info.http}${path}`, { headers });
      await response.arrayBuffer();
      expect({ path, csp: response.headers.get('content-security-policy'), nosniff: response.headers.get('x-content-type-options') }).toEqual({ path, ...sandboxed });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}, 30_000);

test('names the file in Content-Disposition safely, whatever its characters', () => {
  expect(contentDisposition('a "b".html', 'text/html')).toBe(`attachment; filename="a _b_.html"; filename*=UTF-8''a%20%22b%22.html`);
  expect(contentDisposition('été.txt', 'text/plain; charset=utf-8')).toBe(`inline; filename="_t_.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt`);
  expect(['video/mp4', 'audio/ogg', 'image/jpeg'].every(isPassiveType)).toBe(true);
  expect(['image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/xml', 'application/pdf', 'application/octet-stream'].some(isPassiveType)).toBe(false);
});
