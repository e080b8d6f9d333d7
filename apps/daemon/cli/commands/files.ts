/**
 * Files of any FileSystem export in the mesh: `cat`, `put`, `ls-files`, `versions`, `restore`.
 * URI is `glow://EXPORT/path/in/export`, EXPORT a registered name (`glow spawn fs … --name docs`)
 * or `<node>/<id>`. Bytes stream through the daemon's `/fs/…` endpoint, whatever their size.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseName } from '../args.js';
import { describeFsError, findDaemon } from '../discovery.js';
import { CliError, EXIT } from '../exitCodes.js';
import { fsRequest, readJsonBody } from '../fsClient.js';
import { json } from '../format.js';
import { fileStatView, filesView, versionsView } from '../views.js';
import { clientCommand, type CliIo, type ClientOptions } from './common.js';

/** Registers the file commands. */
export function registerFileCommands(program: Command, io: CliIo): void {
  clientCommand(program.command('cat'))
    .description('print a file of a FileSystem export anywhere in the mesh (streamed, any size)')
    .argument('<uri>', 'glow://EXPORT/path', parseName)
    .action(async (uri: string, options: ClientOptions) => {
      const target = await findDaemon(options, io.env);
      const response = await fsRequest(target, { method: 'GET', uri });
      if (String(response.headers['content-type']).startsWith('application/json') && response.headers.etag === undefined) {
        throw new CliError(EXIT.failed, `${uri} is a directory: see glow ls-files`, 'failed', { reason: 'isdir' });
      }
      for await (const chunk of response as AsyncIterable<Buffer>) {
        if (io.stdoutBytes) await io.stdoutBytes(chunk);
        else io.stdout(chunk.toString('utf8'));
      }
      if (!response.complete) throw new CliError(EXIT.failed, `${uri} was cut short (the file changed or a node was lost while it was read)`);
    });

  clientCommand(program.command('put'))
    .description('write a local file to a FileSystem export, atomically (readers see the old or the new content, never a mix)')
    .argument('<local>', 'the local file')
    .argument('<uri>', 'glow://EXPORT/path', parseName)
    .option('--if-version <version>', 'refuse the write unless the file still has this version (optimistic concurrency)')
    .action(async (local: string, uri: string, options: ClientOptions & { ifVersion?: string }) => {
      let size: number;
      try {
        const info = await stat(local);
        if (!info.isFile()) throw new CliError(EXIT.usage, `${local} is not a file`);
        size = info.size;
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(EXIT.usage, `cannot read ${local}: ${describeFsError(error)}`);
      }
      const target = await findDaemon(options, io.env);
      const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-length': size };
      if (options.ifVersion !== undefined) headers['if-match'] = `"${options.ifVersion}"`;
      const response = await fsRequest(target, { method: 'PUT', uri, headers, body: createReadStream(local) }, 600_000);
      const value = await readJsonBody(response);
      io.stdout(options.json ? json(value) : fileStatView(value));
    });

  clientCommand(program.command('ls-files'))
    .description('list a directory of a FileSystem export')
    .argument('<uri>', 'glow://EXPORT/path (the export itself: glow://EXPORT/)', parseName)
    .action(async (uri: string, options: ClientOptions) => {
      const target = await findDaemon(options, io.env);
      const response = await fsRequest(target, { method: 'GET', uri, headers: { accept: 'application/json' } });
      if (response.headers.etag !== undefined) {
        response.destroy();
        throw new CliError(EXIT.failed, `${uri} is a file, not a directory`, 'failed', { reason: 'notdir' });
      }
      const value = await readJsonBody(response);
      io.stdout(options.json ? json(value) : filesView(value));
    });

  clientCommand(program.command('versions'))
    .description('list the previous contents of a file, newest first')
    .argument('<uri>', 'glow://EXPORT/path', parseName)
    .action(async (uri: string, options: ClientOptions) => {
      const target = await findDaemon(options, io.env);
      const value = await readJsonBody(await fsRequest(target, { method: 'GET', uri, query: 'versions' }));
      io.stdout(options.json ? json(value) : versionsView(value));
    });

  clientCommand(program.command('restore'))
    .description('bring back a previous content of a file (the current one is kept as a version)')
    .argument('<uri>', 'glow://EXPORT/path', parseName)
    .argument('<version>', 'a version from glow versions')
    .action(async (uri: string, version: string, options: ClientOptions) => {
      const target = await findDaemon(options, io.env);
      const value = await readJsonBody(await fsRequest(target, { method: 'POST', uri, query: `restore=${encodeURIComponent(version)}` }));
      io.stdout(options.json ? json(value) : fileStatView(value));
    });
}
