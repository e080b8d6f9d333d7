/** Builds the web app (dist/web) once per test file, as `npm run build:web` does, bounded. */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WEB = join(ROOT, 'dist', 'web');

function vite(timeout: number, outDir?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'apps/web/vite.config.ts'], { cwd: ROOT, timeout, env: { ...process.env, ...(outDir ? { GLOW_WEB_OUT: outDir } : {}) } }, (error, stdout, stderr) =>
      error ? reject(new Error(`vite build failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(),
    );
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Runs `vite build` for apps/web (into dist/web, or `outDir`); rejects with its output when it
 * fails or takes over `timeout` ms.
 *
 * Several test files serve dist/web (the daemon has no other place to take the app from) and jest
 * runs them in parallel: a build straight into dist/web would empty it under another file's open
 * page. So the build goes to a private folder and its files are moved in one by one with atomic
 * renames, assets (content-hashed names) before index.html: a reader sees the old file or the new
 * one, never none. Assets of older builds stay (unreferenced); `npm run build:web` clears them.
 */
export async function buildWebApp(timeout = 60_000, outDir?: string): Promise<void> {
  if (outDir) return vite(timeout, outDir);
  const staging = join(ROOT, 'dist', `.web-build-${process.pid}-${Date.now()}`);
  try {
    await vite(timeout, staging);
    const files = (await filesUnder(staging)).sort((a, b) => Number(a.endsWith('index.html')) - Number(b.endsWith('index.html')));
    for (const file of files) {
      const target = join(WEB, relative(staging, file));
      await mkdir(dirname(target), { recursive: true });
      // Renamed inside dist/web itself: a rename is atomic only within one filesystem.
      const temporary = `${target}.${process.pid}.tmp`;
      await copyFile(file, temporary);
      await rename(temporary, target);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
