/**
 * A channel across real daemons: `news` on A, `glow sub` running on A, B and C, messages
 * published with `glow pub` and the control channel; B's daemon SIGKILLed mid-stream. Publishing
 * goes on for the others without a gap, and B, restarted, resumes from the offset after the last
 * one it printed and gets every later message. Run under netguard.
 */
import type { RouteValue } from '../../../apps/daemon/control.js';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { ask, glow, startDaemon, startGlow, stopAll, tempHome, type DaemonProcess, type RunningGlow } from './glowProcess.js';

let a: DaemonProcess;
let b: DaemonProcess;
let c: DaemonProcess;

/** The offsets and messages a `glow sub --json` printed so far. */
function received(sub: RunningGlow): { offset: number; message: unknown }[] {
  return sub
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { offset: number; message: unknown });
}

/** Starts `glow sub news --json` on `daemon` (in place once the channel counts it: see `subscribers`). */
function subscribe(daemon: DaemonProcess, extra: string[] = []): RunningGlow {
  return startGlow(['sub', 'news', '--json', ...extra, '--home', daemon.home]);
}

async function subscribers(): Promise<number> {
  return ((await ask<{ subscribers: number }>(a, { op: 'call', ref: 'news', method: 'info' })).subscribers ?? 0) as number;
}

async function publish(from: DaemonProcess, count: number, start: number): Promise<void> {
  for (let i = start; i < start + count; i++) await ask(from, { op: 'call', ref: 'news', method: 'publish', args: { message: { n: i } } });
}

beforeAll(async () => {
  a = await startDaemon(await tempHome('glow-chan-a-'), ['--no-mdns']);
  [b, c] = await Promise.all([
    startDaemon(await tempHome('glow-chan-b-'), ['--no-mdns', '--connect', a.info.link]),
    startDaemon(await tempHome('glow-chan-c-'), ['--no-mdns', '--connect', a.info.link]),
  ]);
  for (const daemon of [b, c]) {
    await waitFor(async () => (await ask<RouteValue[]>(daemon, { op: 'routes' })).some((route) => route.destination === a.info.node), 10_000, 'no route to A', 50);
  }
  const spawned = await glow(['spawn', 'channel', '{"history":1000}', '--name', 'news', '--home', a.home]);
  expect(spawned.code).toBe(EXIT.ok);
}, 60_000);

afterAll(async () => {
  await stopAll();
});

describe('a channel with subscribers on three daemons', () => {
  it('delivers every message in order to all, survives a subscriber daemon SIGKILL, and resumes it without gaps', async () => {
    for (const daemon of [b, c]) {
      await waitFor(async () => (await glow(['describe', 'news', '--home', daemon.home])).code === EXIT.ok, 10_000, 'the name never reached a subscriber node', 100);
    }
    const subs = { a: subscribe(a), b: subscribe(b), c: subscribe(c) };
    let counted = 0;
    await waitFor(async () => (counted = await subscribers()) >= 3, 10_000, () => `the channel counts ${counted} subscribers`, 50);

    // The CLI's own pub, then a burst through the control channel.
    expect(await glow(['pub', 'news', '{"n":0}', '--home', b.home])).toMatchObject({ code: EXIT.ok, stdout: '0\n' });
    await publish(c, 49, 1);
    const firstFifty = Array.from({ length: 50 }, (_, n) => ({ offset: n, message: { n } }));
    for (const sub of Object.values(subs)) {
      await waitFor(() => received(sub).length >= 50, 10_000, () => `got ${received(sub).length}`, 20);
      expect(received(sub)).toEqual(firstFifty);
    }

    b.child.kill('SIGKILL');
    const lost = await within(subs.b.done, 10_000, "B's glow sub did not end when its daemon died");
    expect(lost.code).toBe(EXIT.noDaemon);
    const lastOnB = received(subs.b).at(-1)!.offset;
    await b.exited;

    // Publishing goes on for the others while B is gone.
    await publish(a, 50, 50);
    const hundred = Array.from({ length: 100 }, (_, n) => ({ offset: n, message: { n } }));
    for (const sub of [subs.a, subs.c]) {
      await waitFor(() => received(sub).length >= 100, 10_000, () => `got ${received(sub).length}`, 20);
      expect(received(sub)).toEqual(hundred);
    }

    // B comes back and resumes from the offset after the last one it printed.
    b = await startDaemon(b.home, ['--no-mdns', '--connect', a.info.link]);
    await waitFor(async () => (await glow(['describe', 'news', '--home', b.home])).code === EXIT.ok, 10_000, 'B never learnt the name again', 100);
    const resumed = subscribe(b, ['--from', String(lastOnB + 1), '--count', String(99 - lastOnB)]);
    const result = await within(resumed.done, 15_000, 'the resumed subscriber did not get the rest');
    expect(result.code).toBe(EXIT.ok);
    expect([...received(subs.b), ...received(resumed)]).toEqual(hundred);

    for (const sub of [subs.a, subs.c]) sub.child.kill('SIGINT');
    await Promise.all([subs.a.done, subs.c.done]);
  }, 90_000);
});
