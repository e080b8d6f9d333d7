/**
 * `glow export PATH [--name NAME] [--read-only]`, `glow export ls`, `glow export remove NAME`:
 * a folder of the daemon's machine shared with the mesh in one step (a persisted FileSystem
 * export), instead of `glow spawn fs '{"root": …}' --name … --persist`.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exportedView, exportRemovedView, exportsView } from '../views.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';

/** Registers `export`. */
export function registerExportCommands(program: Command, io: CliIo): void {
  // Options after `ls` or `remove` are theirs (positional options, program.ts).
  const exportCommand = clientCommand(program.command('export').enablePositionalOptions())
    .description("shares a folder of the daemon's machine with your devices, under a name (glow://NAME/…), kept across restarts")
    .argument('<path>', 'the folder (relative to this directory; the daemon must run on this machine)')
    .option('--name <name>', "what to call it (default: the folder's name)")
    .option('--read-only', 'reading only: every change is refused')
    .action(async (path: string, options: ClientOptions & { name?: string; readOnly?: boolean }) => {
      await request(io, options, { op: 'export', path: resolve(path), ...(options.name ? { name: options.name } : {}), ...(options.readOnly ? { readOnly: true } : {}) }, exportedView);
    });
  clientCommand(exportCommand.command('ls'))
    .description("the daemon's exports: name, folder, read only")
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'exports' }, exportsView);
    });
  clientCommand(exportCommand.command('remove'))
    .description('stops exporting a folder (the folder and its files stay)')
    .argument('<name>', 'the export')
    .action(async (name: string, options: ClientOptions) => {
      await request(io, options, { op: 'unexport', name }, exportRemovedView);
    });
}
