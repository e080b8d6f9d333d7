/**
 * Builds the web app into dist/web, which the daemon serves at GET / (apps/daemon/webApp.ts).
 * The app imports the core straight from src/ (no copy); the node guard fails the build if a
 * Node-only module would reach the browser.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { nodeGuard } from './nodeGuard.js';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [nodeGuard()],
  logLevel: 'warn',
  build: {
    // GLOW_WEB_OUT: another folder (a test that serves its own build, in parallel with others).
    outDir: process.env.GLOW_WEB_OUT ?? fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
});
