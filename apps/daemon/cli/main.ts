/**
 * The `glow` command (bin/glow.mjs loads this file through tsx):
 *
 *   node --import tsx apps/daemon/cli/main.ts <command> [options]
 *
 * `glow --help` lists the commands and the exit codes (apps/daemon/cli/exitCodes.ts).
 */
import { runCli } from './program.js';

// exitCode rather than exit(), so that output written to a pipe is flushed (asynchronous on
// some platforms). runCli returns only when the command is done (daemon and signaling when they
// have stopped); should a stray handle keep the process alive after that, it still ends soon.
process.exitCode = await runCli(process.argv.slice(2));
setTimeout(() => process.exit(), 2000).unref();
