/**
 * The ways in: `bin/glow.mjs` (what `npx glow` runs) and `glow signaling`, which runs
 * apps/signaling/main.ts with the arguments passed through.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { glow, startGlow, stopAll } from './glowProcess.js';

const BIN = fileURLToPath(new URL('../../../bin/glow.mjs', import.meta.url));

afterAll(() => stopAll());

describe('bin/glow.mjs', () => {
  it('runs the CLI without a loader flag, with its exit codes', async () => {
    const child = spawn(process.execPath, [BIN, 'frobnicate'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const [code] = (await within(once(child, 'close'), 15_000, 'bin/glow.mjs did not exit')) as [number];
    expect(code).toBe(EXIT.usage);
    expect(stderr).toBe("glow: unknown command 'frobnicate' (see --help)\n");
  });
});

describe('glow signaling', () => {
  it('runs the signaling server until SIGTERM, printing its JSON lines', async () => {
    const server = startGlow(['signaling', '--listen', '127.0.0.1:0', '--no-stun']);
    await server.waitFor('"signaling.listening"', 15_000);
    const listening = JSON.parse(server.stdout().split('\n')[0]!) as { url: string };
    expect(listening.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    server.child.kill('SIGTERM');
    const result = await within(server.done, 10_000, 'glow signaling did not stop');
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('"signaling.stopping"');
  });

  it('stops the server when glow itself is SIGKILLed', async () => {
    const server = startGlow(['signaling', '--listen', '127.0.0.1:0', '--no-stun', '--quiet']);
    await server.waitFor('"signaling.listening"', 15_000);
    const port = Number(/:(\d+)"/.exec(server.stdout())![1]);
    const exited = once(server.child, 'exit');
    server.child.kill('SIGKILL');
    // 'exit', not 'close': an orphaned server would hold the output pipe open.
    await within(exited, 5000, 'glow did not die');
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve(false);
          });
          socket.once('error', () => resolve(true));
        }),
      5000,
      'the signaling server outlived glow',
      50,
    );
  });

  it("shows the server's own help, and passes its usage errors through as exit 2", async () => {
    const [help, bad] = await Promise.all([glow(['signaling', '--help']), glow(['signaling', '--listen', 'nowhere'])]);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toMatch(/--listen HOST:PORT/);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/^signaling: --listen expects HOST:PORT/);
  });
});
