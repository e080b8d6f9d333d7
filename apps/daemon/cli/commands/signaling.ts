/**
 * `glow signaling`: the standalone signaling server (apps/signaling/main.ts), run as a child
 * process with this command's arguments passed through unchanged, so that its options, its
 * `--help`, its JSON-lines output and its exit codes (0 clean stop, 1 failure, 2 usage) are
 * exactly those of the program the signaling tests cover.
 *
 * Trade-off: a second Node process (and TypeScript loader) costs ~0.3 s at start; in exchange
 * nothing here duplicates the server's option parsing, which main.ts does not export. The child
 * stops when this process dies, however it dies (signalingGuard.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError, EXIT } from '../exitCodes.js';
import type { CliIo } from './common.js';

const SIGNALING_MAIN = fileURLToPath(new URL('../../../signaling/main.ts', import.meta.url));
const GUARD = new URL('./signalingGuard.ts', import.meta.url).href;

/** Registers `signaling`. */
export function registerSignalingCommand(program: Command, io: CliIo): void {
  program
    .command('signaling')
    .description('run the standalone signaling server (WebRTC offers/answers between nodes, STUN beside it); see glow signaling --help')
    .usage('[--listen HOST:PORT] [--stun HOST:PORT] [--no-stun] [--ice-server URL] [--quiet] …')
    // Everything, --help included, belongs to the server's own parser.
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]')
    .action(async (args: string[]) => {
      // Its output is JSON lines already; --json is accepted for uniformity with the other commands.
      const passed = args.filter((arg) => arg !== '--json');
      const code = await runSignaling(passed, io.env);
      if (code !== 0) throw new CliError(code === EXIT.usage ? EXIT.usage : EXIT.failed, '', 'signaling');
    });
}

/** Runs apps/signaling/main.ts with `args`, stdio inherited; resolves with its exit status. */
export async function runSignaling(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--import', GUARD, SIGNALING_MAIN, ...args], {
    // The IPC channel is only there so that the server notices when this process is gone.
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env,
  });
  // A terminal's Ctrl-C reaches the whole process group: the server stops itself and this process
  // only waits for it (passing SIGINT on would be a second one, which kills it mid-close).
  // SIGTERM aimed at this process alone is passed on.
  const onInt = () => undefined;
  const onTerm = () => child.kill('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error) => reject(new CliError(EXIT.failed, `cannot start the signaling server: ${error.message}`)));
      child.once('exit', (code) => resolve(code ?? EXIT.failed));
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
