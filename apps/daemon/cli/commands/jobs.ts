/**
 * Night jobs from the command line: `glow job submit|ls|show|watch|cancel` talk to the daemon's
 * own scheduler (`glow.jobs/<its node id>`; `--scheduler REF` for another), and `glow worker
 * status|pause|resume` to a node's worker (the "don't use me" switch).
 */
import { readFile } from 'node:fs/promises';
import { text as readStdin } from 'node:stream/consumers';
import type { Command } from 'commander';
import type { StatusValue } from '../../control.js';
import { parseName, parseNode } from '../args.js';
import { control } from '../client.js';
import { findDaemon, type DaemonTarget } from '../discovery.js';
import { CliError, EXIT } from '../exitCodes.js';
import { json } from '../format.js';
import { jobView, jobsView, watchLines, workerView } from '../jobViews.js';
import { clientCommand, viewOptions, type CliIo, type ClientOptions, type Render } from './common.js';
import { printStream } from './streams.js';

interface JobOptions extends ClientOptions {
  scheduler?: string;
}

/** The scheduler to talk to: `--scheduler`, else the daemon's own. */
async function scheduler(target: DaemonTarget, options: JobOptions): Promise<string> {
  if (options.scheduler) return options.scheduler;
  const node = target.info?.node ?? ((await control(target, { op: 'status' })) as StatusValue).node;
  return `glow.jobs/${node}`;
}

/**
 * Calls `method` on the scheduler and prints the answer with `render` (raw JSON with --json);
 * `named`: the answer names nodes, shown by device name.
 */
async function callScheduler(io: CliIo, options: JobOptions, method: string, args: unknown, render: Render, named = false): Promise<unknown> {
  const target = await findDaemon(options, io.env);
  const [value, view] = await Promise.all([
    control(target, { op: 'call', ref: await scheduler(target, options), method, args }),
    named ? viewOptions(target, options) : { ids: options.ids === true },
  ]);
  io.stdout(options.json ? json(value) : render(value, view));
  return value;
}

function withScheduler(command: Command): Command {
  return clientCommand(command).option('--scheduler <ref>', "the scheduler (glow.Jobs/1) to use (default: this daemon's)", parseName);
}

/** Reads a job file (`-`: stdin) as JSON. */
async function readJobFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await readStdin(process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(EXIT.usage, `${file === '-' ? 'stdin' : file} is not JSON: ${(error as Error).message}`);
  }
}

/** Registers `job …` and `worker …`. */
export function registerJobCommands(program: Command, io: CliIo): void {
  const job = program.command('job').description('night jobs: steps with dependencies, run on idle machines, supervised (see README)');

  withScheduler(job.command('submit'))
    .description('submit a job file (JSON; - reads stdin) and print its id; a bad file is refused with the reason, nothing stored')
    .argument('<file>', 'the job file, or - for stdin')
    .action(async (file: string, options: JobOptions) => {
      const parsed = await readJobFile(file);
      await callScheduler(io, options, 'submit', { job: parsed }, (value) => `${String((value as { id?: unknown }).id)}\n`);
    });

  withScheduler(job.command('ls'))
    .description('jobs, newest first: id, name, state, steps done')
    .option('--state <state>', 'only jobs in this state (scheduled, running, done, failed, cancelled)')
    .action(async (options: JobOptions & { state?: string }) => {
      await callScheduler(io, options, 'list', options.state ? { state: options.state } : {}, jobsView);
    });

  withScheduler(job.command('show'))
    .description('a job: its state, and each step with its node, attempts, progress, output or error')
    .argument('<id>', 'the job id', parseName)
    .action(async (id: string, options: JobOptions) => {
      await callScheduler(io, options, 'show', { id }, jobView, true);
    });

  withScheduler(job.command('watch'))
    .description('follow a job until it ends: a progress bar per running step on a terminal, a line per change otherwise (exit 1 if it fails)')
    .argument('<id>', 'the job id', parseName)
    .action(async (id: string, options: JobOptions) => {
      const target = await findDaemon(options, io.env);
      const [ref, names] = await Promise.all([scheduler(target, options), viewOptions(target, options)]);
      let previous: string[] = [];
      let last: { state?: string; error?: { message?: string } } = {};
      await printStream(io, options, { op: 'stream', ref, method: 'watch', args: { id } }, (view) => {
        last = view as typeof last;
        const lines = watchLines(view, io.isTTY === true, names);
        if (io.isTTY) {
          // Redraw the block in place: up over the previous one, clear to the end of the screen.
          const output = `${previous.length > 0 ? `\x1b[${previous.length}F\x1b[J` : ''}${lines.join('\n')}\n`;
          previous = lines;
          return output;
        }
        const changed = lines.filter((line) => !previous.includes(line));
        previous = lines;
        return changed.length > 0 ? `${changed.join('\n')}\n` : '';
      });
      if (last.state === 'failed' || last.state === 'cancelled') {
        throw new CliError(EXIT.failed, `job ${id} ${last.state}${last.error?.message ? `: ${last.error.message}` : ''}`, last.state);
      }
    });

  withScheduler(job.command('cancel'))
    .description('cancel a job: its running steps are terminated on whatever nodes they run')
    .argument('<id>', 'the job id', parseName)
    .action(async (id: string, options: JobOptions) => {
      await callScheduler(io, options, 'cancel', { id }, (value) => `${String((value as { state?: unknown }).state)}\n`);
    });

  const worker = program.command('worker').description("this node's (or --on NODE's) job worker: load, availability, running steps");
  const workerCall = async (options: ClientOptions & { on?: string }, method: string, args: unknown) => {
    const target = await findDaemon(options, io.env);
    const node = options.on ?? target.info?.node ?? ((await control(target, { op: 'status' })) as StatusValue).node;
    const [value, view] = await Promise.all([control(target, { op: 'call', ref: `glow.worker/${node}`, method, args }), viewOptions(target, options)]);
    io.stdout(options.json ? json(value) : workerView(value, view));
  };
  for (const [name, description, method, args] of [
    ['status', 'load, battery, availability, running steps and cap', 'status', {}],
    ['pause', '"don\'t use me": no new steps are placed here (running ones go on)', 'setAvailable', { available: false }],
    ['resume', 'take steps again', 'setAvailable', { available: true }],
  ] as const) {
    clientCommand(worker.command(name))
      .description(description)
      .option('--on <node>', 'the worker of this node (default: this daemon)', parseNode)
      .action((options: ClientOptions & { on?: string }) => workerCall(options, method, args));
  }
}
