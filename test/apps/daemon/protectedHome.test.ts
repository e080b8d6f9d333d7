/**
 * What no caller can reach: the daemon's home (keys, control token, config.json, plugins, the
 * jobs journal) is never exported, whoever asks and however the path is spelt. Run under netguard.
 */
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DaemonProcess, removeHomes, stopAll, tempHome } from './helpers.js';

const running: DaemonProcess[] = [];
afterAll(async () => {
  await stopAll(running.splice(0));
  await removeHomes();
});

test("an fs export of the home, a folder in it, a folder holding it or a link to it is refused; one beside it works", async () => {
  const home = await tempHome();
  const daemon = await DaemonProcess.start({ home });
  running.push(daemon);
  const beside = await tempHome(undefined, null);
  await mkdir(join(home, 'plugins'));
  await symlink(home, join(beside, 'link-to-home'));
  for (const root of [home, join(home, 'plugins'), dirname(home), '/', join(beside, 'link-to-home'), `${home}/../${home.split('/').pop()}`]) {
    const { status, body } = await daemon.control({ op: 'spawn', kind: 'fs', args: { root } });
    expect({ root, status, message: body.message }).toEqual({ root, status: expect.any(Number), message: expect.stringContaining('protected directory') });
    expect(status).toBeGreaterThanOrEqual(400);
  }
  const ok = await daemon.op<{ ref: string; kind: string }>({ op: 'spawn', kind: 'fs', args: { root: beside }, name: 'beside' });
  expect(ok).toMatchObject({ kind: 'fs', name: 'beside' });
});
