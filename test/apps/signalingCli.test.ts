import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createIdentity } from '../../src/transport/identity.js';
import { parseBindingSuccess, STUN_MAGIC_COOKIE } from '../../src/transport/stunMessage.js';
import { rawSignaling } from '../fixtures/rawSignaling.js';
import { within } from '../helpers/waitFor.js';

const MAIN = fileURLToPath(new URL('../../apps/signaling/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const lines = createInterface({ input: child.stdout! });
  const events: Record<string, unknown>[] = [];
  let waiting: (() => void) | undefined;
  lines.on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      events.push({ text: line });
    }
    waiting?.();
  });
  const event = async (name: string, timeout = 15_000) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = events.find((e) => e.event === name);
      if (found) return found;
      await within(new Promise<void>((resolve) => (waiting = resolve)), Math.max(1, deadline - Date.now()), `no ${name} event`);
    }
  };
  return { child, exited, event, events, stderr: () => stderr };
}

describe('apps/signaling', () => {
  it('serves on the given address with a STUN responder beside it, logs as JSON lines, and stops on SIGTERM', async () => {
    const app = run(['--listen', '127.0.0.1:0', '--stun', '127.0.0.1:0']);
    try {
      const listening = await app.event('signaling.listening');
      expect(listening.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(listening.stun).toMatch(/^stun:127\.0\.0\.1:\d+$/);
      const identity = createIdentity();
      const client = await rawSignaling(listening.url as string);
      expect(await client.register(identity)).toMatchObject({ t: 'registered', id: identity.id });
      expect(await app.event('signaling.registered')).toMatchObject({ id: identity.id });

      const udp = createSocket('udp4');
      try {
        const request = new Uint8Array(20);
        new DataView(request.buffer).setUint16(0, 1);
        new DataView(request.buffer).setUint32(4, STUN_MAGIC_COOKIE);
        const reply = once(udp, 'message');
        udp.send(request, Number(String(listening.stun).split(':')[2]), '127.0.0.1');
        const [message] = (await within(reply, 2000, 'no STUN reply')) as [Buffer];
        expect(parseBindingSuccess(message)?.address.address).toBe('127.0.0.1');
      } finally {
        udp.close();
      }

      app.child.kill('SIGTERM');
      expect((await client.closed).code).toBe(1001);
      expect(await within(app.exited, 5000, 'did not exit')).toEqual([0, null]);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  }, 30_000);

  it('runs without STUN when asked', async () => {
    const app = run(['--listen', '127.0.0.1:0', '--no-stun', '--quiet']);
    try {
      expect(await app.event('signaling.listening')).toMatchObject({ stun: null });
      app.child.kill('SIGINT');
      expect(await within(app.exited, 5000, 'did not exit')).toEqual([0, null]);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  }, 30_000);

  it('prints its usage for --help, and refuses bad arguments with exit code 2', async () => {
    const help = run(['--help']);
    expect(await within(help.exited, 15_000, 'did not exit')).toEqual([0, null]);
    expect(help.events.map((e) => e.text).join('\n')).toMatch(/--listen HOST:PORT/);
    for (const args of [['--listen', 'nowhere'], ['--bogus'], ['--rate', '-3']]) {
      const bad = run(args);
      expect(await within(bad.exited, 15_000, 'did not exit')).toEqual([2, null]);
      expect(bad.stderr()).toMatch(/Try --help/);
    }
  }, 60_000);
});
