/** The daemon's link log (apps/daemon/linkLog.ts): a stranger's refusals at most once a minute per peer. */
import { linkLog } from '../../../apps/daemon/linkLog.js';
import { ManualClock } from '../../../src/firefly/clock.js';
import type { LinkLogEvent } from '../../../src/transport/linkOptions.js';
import { linkDevices, testUser, useDevices } from '../../helpers/userMeshes.js';

function recorder() {
  const lines: { level: 'debug' | 'info'; fields: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    infos: () => lines.filter((line) => line.level === 'info'),
    debug: (fields: object, message: string) => lines.push({ level: 'debug', fields: fields as Record<string, unknown>, message }),
    info: (fields: object, message: string) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
  };
}

const refused = (claimed?: string): LinkLogEvent => ({ event: 'link.refused', kind: 'memory', reason: 'not allowed', by: 'local', ...(claimed ? { claimed } : {}) });

test('logs a peer refused again and again once a minute, with the count of refusals held back', async () => {
  const sink = recorder();
  const clock = new ManualClock();
  const log = linkLog(sink, { clock });
  for (let i = 0; i < 5; i++) log(refused('mallory'));
  expect(sink.infos().map((line) => line.message)).toEqual(['link refused mallory: not allowed']);
  await clock.advance(59_999);
  log(refused('mallory'));
  expect(sink.infos()).toHaveLength(1);
  await clock.advance(1);
  log(refused('mallory'));
  expect(sink.infos()[1]).toMatchObject({ message: 'link refused mallory: not allowed (5 more since the last line)', fields: { claimed: 'mallory', held: 5 } });
});

test('counts each peer apart, and keeps other link events at debug', () => {
  const sink = recorder();
  const log = linkLog(sink, { clock: new ManualClock() });
  log(refused('mallory'));
  log(refused('trudy'));
  log(refused());
  log(refused());
  log({ event: 'link.up', kind: 'memory', remote: 'bob' });
  expect(sink.infos().map((line) => line.fields.claimed ?? '(unknown)')).toEqual(['mallory', 'trudy', '(unknown)']);
  expect(sink.lines.filter((line) => line.level === 'debug').map((line) => line.message)).toEqual(['link.up']);
});

test('forgets the oldest peer beyond maxPeers, so made-up ids cannot grow it without bound', () => {
  const sink = recorder();
  const log = linkLog(sink, { clock: new ManualClock(), maxPeers: 2 });
  for (const peer of ['a', 'b', 'c', 'a']) log(refused(peer));
  // `a` was forgotten when `c` came, so its second refusal is logged again.
  expect(sink.infos().map((line) => line.fields.claimed)).toEqual(['a', 'b', 'c', 'a']);
});

describe('a stranger redialling a device', () => {
  const device = useDevices();

  test('is refused at every handshake and logged once until the minute has passed', async () => {
    const sink = recorder();
    const clock = new ManualClock();
    const [alice, mallory] = [testUser(), testUser()];
    const laptop = device(alice, 'laptop', { mesh: { link: { log: linkLog(sink, { clock }) } } });
    const intruder = device(mallory, 'intruder');
    const dial = () => linkDevices(laptop, intruder).then(
      () => 'linked',
      (error: { code?: string }) => error.code,
    );
    for (let i = 0; i < 3; i++) await expect(dial()).resolves.toBe('denied');
    const lines = () => sink.infos().filter((line) => line.fields.by === 'local');
    expect(lines()).toEqual([expect.objectContaining({ message: `link refused ${intruder.id}: not allowed` })]);
    await clock.advance(60_000);
    await expect(dial()).resolves.toBe('denied');
    expect(lines()).toHaveLength(2);
    expect(lines()[1]!.fields).toMatchObject({ claimed: intruder.id, held: 2 });
  });
});
