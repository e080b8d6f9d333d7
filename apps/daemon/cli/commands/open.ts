/**
 * `glow open`: asks the running daemon (control channel, so only the owner of its home can) for
 * a fresh one-time login URL of its web UI and prints it. With `--browser` it also opens it,
 * when there is a display to open it on.
 *
 * The browser is given a file, not the URL: a command line is readable by every local user
 * (`/proc/PID/cmdline`), and the login is worth a session to whoever spends it first. The file
 * redirects to the URL and lives in a fresh folder only its owner can read (as Jupyter does); it
 * is left there, harmless once the login is spent or expired.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { LoginValue } from '../../control.js';
import { CliError, EXIT } from '../exitCodes.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';

/** Registers `open`. */
export function registerOpenCommand(program: Command, io: CliIo): void {
  clientCommand(program.command('open'))
    .description('print a one-time login URL for the web UI (--browser: open it too, when a display exists)')
    .option('--browser', 'open the URL with xdg-open')
    .action(async (options: ClientOptions & { browser?: boolean }) => {
      const login = (await request(io, options, { op: 'login' }, (value) => `${(value as LoginValue).url}\n`)) as LoginValue;
      if (!options.browser) return;
      if (!io.env.DISPLAY && !io.env.WAYLAND_DISPLAY) {
        io.stderr('glow open: no display (DISPLAY, WAYLAND_DISPLAY): open the URL above in a browser of this machine\n');
        return;
      }
      await openInBrowser(login.url);
    });
}

/** Opens `url` with xdg-open through a redirecting file readable by this user only. */
async function openInBrowser(url: string): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'glow-open-'));
  const file = join(folder, 'open.html');
  const attribute = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  await writeFile(file, `<!doctype html><meta http-equiv="refresh" content="0;url=${attribute}"><a href="${attribute}">Glow</a>\n`, { mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    const child = spawn('xdg-open', [file], { detached: true, stdio: 'ignore' });
    child.once('error', (error) => reject(new CliError(EXIT.failed, `cannot run xdg-open: ${error.message}; open the URL above yourself`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
