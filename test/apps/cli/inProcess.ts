/** The CLI run in this process, with its output captured and a clean environment. */
import type { CliIo } from '../../../apps/daemon/cli/commands/common.js';
import { runCli } from '../../../apps/daemon/cli/program.js';

/** Runs `glow ARGS` in this process; answers the exit code and what it printed. */
export async function glowInProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: { HOME: '/nonexistent-home', ...env } };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
