/**
 * The daemon as a program without the rest of the CLI (the test helpers start it this way):
 *
 *   node --import tsx apps/daemon/main.ts [flags of `glow daemon`]
 *
 * It is `glow daemon` itself — the same flags, help and exit statuses (EXIT_CODES, errors.ts) —
 * so that the two can never drift apart.
 */
import { runCli } from './cli/program.js';

process.exit(await runCli(['daemon', ...process.argv.slice(2)]));
