/**
 * `glow export`: a folder shared in one step, with a real daemon: named after the folder, listed,
 * reachable as glow://NAME/, kept across a restart, removed again with the folder untouched;
 * refused with the reason when the folder is missing, a file, or the daemon's home or around it.
 * Run under netguard.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { glow, startDaemon, stopAll, tempHome, type DaemonProcess } from './glowProcess.js';

let scratch: string;
let home: string;
let daemon: DaemonProcess;

async function ok(args: string[], cwd?: string): Promise<string> {
  const result = await glow([...args, '--home', home], { timeout: 30_000, ...(cwd ? { cwd } : {}) });
  if (result.code !== 0) throw new Error(`glow ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glow-export-'));
  await mkdir(join(scratch, 'Holiday Photos'));
  await writeFile(join(scratch, 'Holiday Photos', 'beach.txt'), 'sand');
  await writeFile(join(scratch, 'a-file.txt'), 'not a folder');
  home = await tempHome('glow-export-home-');
  daemon = await startDaemon(home, ['--no-mdns']);
}, 30_000);

afterAll(async () => {
  await stopAll();
  await rm(scratch, { recursive: true, force: true });
});

test('a folder is exported under its own name (made a valid one), listed, read through glow://, and kept across a restart', async () => {
  expect(await ok(['export', 'Holiday Photos', '--read-only'], scratch)).toBe(
    `exported ${join(scratch, 'Holiday Photos')} as Holiday-Photos (read only): glow ls-files glow://Holiday-Photos/ from any of your devices, /fs/Holiday-Photos/ on the web, glow export remove Holiday-Photos to stop\n`,
  );
  expect(await ok(['cat', 'glow://Holiday-Photos/beach.txt'])).toBe('sand');
  const put = await glow(['put', join(scratch, 'a-file.txt'), 'glow://Holiday-Photos/new.txt', '--home', home]);
  expect(put.code).toBe(EXIT.failed);
  expect(put.stderr).toContain('denied: the export is read-only');
  expect(await ok(['export', 'ls'])).toMatch(new RegExp(`^Holiday-Photos +${join(scratch, 'Holiday Photos').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +read only +running$`, 'm'));

  // A restart (SIGTERM, as a service manager stops it): the export comes back.
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  daemon = await startDaemon(home, ['--no-mdns']);
  expect(await ok(['cat', 'glow://Holiday-Photos/beach.txt'])).toBe('sand');

  expect(await ok(['export', 'remove', 'Holiday-Photos'])).toContain('Holiday-Photos is no longer exported');
  expect(await ok(['export', 'ls'])).toBe('no folders exported: glow export PATH shares one\n');
  expect(await readFile(join(scratch, 'Holiday Photos', 'beach.txt'), 'utf8')).toBe('sand');
}, 60_000);

test('a missing folder, a file, a taken name and the daemon’s home are refused with the reason', async () => {
  const refused = async (args: string[]) => {
    const result = await glow([...args, '--home', home], { timeout: 30_000 });
    expect(result.code).not.toBe(0);
    return result.stderr;
  };
  expect(await refused(['export', join(scratch, 'nowhere')])).toContain('does not exist on this machine');
  expect(await refused(['export', join(scratch, 'a-file.txt')])).toContain('is not a folder');
  expect(await refused(['export', home])).toContain("is or holds the daemon's home");
  expect(await refused(['export', dirname(home)])).toContain("is or holds the daemon's home");
  await ok(['export', join(scratch, 'Holiday Photos'), '--name', 'pics']);
  expect(await refused(['export', join(scratch, 'Holiday Photos'), '--name', 'pics'])).toContain('the name pics is taken');
  expect(await refused(['export', 'remove', 'nothing'])).toContain('no export of this daemon is named "nothing"');
}, 60_000);
