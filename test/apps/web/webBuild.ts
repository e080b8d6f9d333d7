/** Builds the web app (dist/web) once per test file, as `npm run build:web` does, bounded. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs `vite build` for apps/web (into dist/web, or `outDir`); rejects with its output when it fails or takes over `timeout` ms. */
export function buildWebApp(timeout = 60_000, outDir?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'apps/web/vite.config.ts'], { cwd: ROOT, timeout, env: { ...process.env, ...(outDir ? { GLOW_WEB_OUT: outDir } : {}) } }, (error, stdout, stderr) =>
      error ? reject(new Error(`vite build failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(),
    );
  });
}
