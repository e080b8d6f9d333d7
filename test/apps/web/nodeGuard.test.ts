import { execFile } from 'node:child_process';
import { isNodeOnly } from '../../../apps/web/nodeGuard.js';

test('the node guard refuses Node built-ins and the Node transports’ packages, and lets browser-safe ones through', () => {
  for (const specifier of ['node:fs', 'fs', 'fs/promises', 'net', 'dgram', 'ws', 'werift', 'node-datachannel', 'node-datachannel/polyfill', 'multicast-dns']) {
    expect(isNodeOnly(specifier)).toBe(true);
  }
  for (const specifier of ['cbor-x', '@noble/curves/ed25519.js', 'valibot', 'cytoscape', '../../src/index.js', 'wsx']) {
    expect(isNodeOnly(specifier)).toBe(false);
  }
});

test('a browser build that imports a Node-only module fails and names it', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = execFile(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'test/apps/web/fixtures/leak/vite.config.ts'], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (child.exitCode ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
  expect(code).not.toBe(0);
  expect(output).toContain('Node-only module "ws"');
}, 60_000);
