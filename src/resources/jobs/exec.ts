import { spawn } from 'node:child_process';
import { nanoid } from 'nanoid';
import * as v from 'valibot';
import type { ProcessKind } from '../../actors/process.js';
import { GlowError } from '../../firefly/errors.js';
import { defineStepKind, type StepStartArgs } from './stepKind.js';

/**
 * One-time grants a worker issues for the guarded `exec` kind. `exec` can be started through
 * any path that spawns a kind (`glow.Node/1 spawn` too), so the kind itself refuses to run
 * unless the local worker checked the job and handed it a grant for this very attempt.
 */
export class ExecGrants {
  private readonly grants = new Map<string, string>();

  /** Issues a grant for an attempt key. */
  issue(key: string): string {
    const grant = nanoid();
    this.grants.set(grant, key);
    return grant;
  }

  /** Consumes a grant; true when it was issued for `key` and not used before. */
  take(grant: string | undefined, key: string): boolean {
    if (grant === undefined || this.grants.get(grant) !== key) return false;
    this.grants.delete(grant);
    return true;
  }
}

/** Most bytes of stdout and of stderr kept in the output; the rest is cut (the output is journaled). */
export const EXEC_OUTPUT_LIMIT = 64 * 1024;

/**
 * The `exec` step kind: runs `command` with `args` (no shell: arguments are passed as they are,
 * so nothing in them is interpreted), in `cwd`, killed after `timeout` ms (default 10 minutes).
 * Output: `{ code, stdout, stderr }`; a non-zero exit fails the attempt (`failed`, details hold
 * the output). Disabled unless the worker allows exec; see `WorkerOptions.allowExec`.
 */
export function execStep(grants: ExecGrants): ProcessKind<StepStartArgs> {
  return defineStepKind<{ command: string; args?: string[]; cwd?: string; timeout?: number; env?: Record<string, string> }>({
    name: 'exec',
    description: 'runs a command (a job step; needs a worker with allowExec and an owner job)',
    args: v.strictObject({
      command: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
      args: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(65536))), v.maxLength(1024))),
      cwd: v.optional(v.pipe(v.string(), v.maxLength(4096))),
      timeout: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(24 * 3600 * 1000))),
      env: v.optional(v.record(v.string(), v.string())),
    }),
    run({ args, attempt, signal }) {
      if (!grants.take(attempt.grant, attempt.key)) {
        throw new GlowError('denied', 'exec runs only when started by a worker that allows it, for an owner job');
      }
      return new Promise((resolve, reject) => {
        const child = spawn(args.command, args.args ?? [], {
          cwd: args.cwd,
          env: args.env ? { ...process.env, ...args.env } : process.env,
          timeout: args.timeout ?? 600_000,
          signal,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('utf8')).slice(0, EXEC_OUTPUT_LIMIT)));
        child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(0, EXEC_OUTPUT_LIMIT)));
        child.on('error', (error) => reject(new GlowError('failed', `cannot run ${args.command}: ${error.message}`)));
        child.on('close', (code, killedBy) => {
          if (code === 0) resolve({ code, stdout, stderr });
          else reject(new GlowError('failed', `${args.command} exited with ${code ?? killedBy}`, { code, signal: killedBy, stdout, stderr }));
        });
      });
    },
  });
}
