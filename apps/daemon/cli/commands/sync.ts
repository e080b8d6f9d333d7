/**
 * Synced folders from the command line: `glow sync add|join|share|ls|status|conflicts|remove` ask the
 * sync service of this daemon (`glow.sync/<node>`), or of another device of the user with
 * `--on DEVICE` (its name or node id), and the replicas themselves for status.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DeviceValue, StatusValue } from '../../control.js';
import { syncServiceName, type LocalReplica, type SyncedFolder } from '../../../../src/resources/sync/service.js';
import { replicaName, replicasPrefix } from '../../../../src/resources/sync/names.js';
import { parseDuration, parseName, parseNode } from '../args.js';
import { control } from '../client.js';
import { findDaemon, type DaemonTarget } from '../discovery.js';
import { CliError, EXIT } from '../exitCodes.js';
import { json } from '../format.js';
import { sharedView } from '../sharingViews.js';
import { conflictsView, foldersView, replicaView, statusView } from '../syncViews.js';
import { clientCommand, type CliIo, type ClientOptions } from './common.js';

interface SyncOptions extends ClientOptions {
  on?: string;
  name?: string;
  as?: string;
  with?: string;
  expires?: number;
}

async function selfNode(target: DaemonTarget): Promise<string> {
  return target.info?.node ?? ((await control(target, { op: 'status' })) as StatusValue).node;
}

async function devices(target: DaemonTarget): Promise<DeviceValue[]> {
  return (await control(target, { op: 'devices' })) as DeviceValue[];
}

/** The node of `--on DEVICE` (a device name or node id of this user), or this daemon's. */
async function targetNode(target: DaemonTarget, on: string | undefined): Promise<string> {
  if (on === undefined) return selfNode(target);
  const matches = (await devices(target)).filter((device) => device.node === on || device.name === on || device.key === on);
  if (matches.length === 1) return matches[0]!.node;
  if (matches.length === 0) throw new CliError(EXIT.failed, `no device of this user is named ${JSON.stringify(on)} (see glow devices)`, 'failed', { reason: 'nodevice' });
  throw new CliError(EXIT.failed, `${matches.length} devices are named ${JSON.stringify(on)}: use the node id`, 'failed', { reason: 'ambiguous' });
}

async function callService(target: DaemonTarget, node: string, method: string, args: unknown): Promise<unknown> {
  return control(target, { op: 'call', ref: syncServiceName(node), method, args, timeout: 60_000 });
}

/** The replica of `name` to ask about it: this device's if it holds one, else any reachable one. */
async function replicaOf(target: DaemonTarget, name: string): Promise<string> {
  const self = await selfNode(target);
  const folders = (await callService(target, self, 'folders', {})) as SyncedFolder[];
  const folder = folders.find((candidate) => candidate.name === name);
  if (!folder) throw new CliError(EXIT.failed, `no synced folder named ${JSON.stringify(name)} (see glow sync ls)`, 'noproc', { reason: 'nofolder' });
  if (folder.replicas.some((replica) => replica.node === self)) return replicaName(name, self);
  const reachable = folder.replicas.find((replica) => replica.online);
  if (!reachable) throw new CliError(EXIT.failed, `no replica of ${JSON.stringify(name)} is reachable now`, 'noconnection', { reason: 'unreachable' });
  return reachable.ref;
}

/** Registers `sync …`. */
export function registerSyncCommands(program: Command, io: CliIo): void {
  const sync = program.command('sync').description('folders kept the same on several devices, changes carried by whichever devices meet (see README)');
  const print = (options: ClientOptions, value: unknown, render: (value: unknown) => string) => io.stdout(options.json ? json(value) : render(value));

  clientCommand(sync.command('add'))
    .description('make a folder of this device the first replica of a new synced folder')
    .argument('<path>', 'the folder')
    .option('--name <name>', 'the synced folder’s name (default: the folder’s own name)', parseName)
    .action(async (path: string, options: SyncOptions) => {
      const target = await findDaemon(options, io.env);
      const value = await callService(target, await selfNode(target), 'add', { root: resolve(path), ...(options.name ? { name: options.name } : {}) });
      print(options, value, replicaView);
    });

  clientCommand(sync.command('join'))
    .description('add a replica of a synced folder: a folder on this device, or on another (--on)')
    .argument('<name>', 'the synced folder: NAME, or FRIEND/NAME for one a friend shared with you (glow sync share)', parseName)
    .argument('<path>', 'the folder on that device (made a replica; what it holds is merged in)')
    .option('--on <device>', 'the device (name or node id) to add the replica on', parseName)
    .option('--as <name>', 'the name a friend’s folder has here (default: its own)', parseName)
    .action(async (name: string, path: string, options: SyncOptions) => {
      if (options.on !== undefined && !path.startsWith('/')) throw new CliError(EXIT.usage, 'with --on, the path must be absolute: it is a path on that device');
      const target = await findDaemon(options, io.env);
      const node = await targetNode(target, options.on);
      const value = (await callService(target, node, 'join', { root: options.on === undefined ? resolve(path) : path, name, ...(options.as ? { as: options.as } : {}) })) as LocalReplica;
      print(options, value, replicaView);
    });

  clientCommand(sync.command('share'))
    .description('lets a friend replicate a synced folder: a grant of write on every replica of it, present and future (glow grants lists it, glow revoke ends it)')
    .argument('<name>', 'the synced folder', parseName)
    .requiredOption('--with <user>', 'the friend: a handle or a user id', parseNode)
    .option('--expires <duration>', 'how long it holds: 10m, 12h, 7d (default 30d)', parseDuration)
    .action(async (name: string, options: SyncOptions) => {
      const target = await findDaemon(options, io.env);
      const value = await control(target, { op: 'share', ref: replicasPrefix(name), with: options.with!, access: 'write', ...(options.expires ? { expires: options.expires } : {}) });
      print(options, value, (v) => `${sharedView(v)}on a device of theirs: glow sync join YOUR-HANDLE/${name} PATH (your handle as they know you, or your user id)\n`);
    });

  clientCommand(sync.command('ls', { isDefault: true }))
    .description('synced folders and the devices that hold them')
    .action(async (options: SyncOptions) => {
      const target = await findDaemon(options, io.env);
      const self = await selfNode(target);
      const value = await callService(target, self, 'folders', {});
      print(options, value, (folders) => foldersView(folders, self));
    });

  clientCommand(sync.command('status'))
    .description('per replica: in sync, or files and bytes behind; conflicts; last seen')
    .argument('[name]', 'the synced folder (default: every one)', parseName)
    .action(async (name: string | undefined, options: SyncOptions) => {
      const target = await findDaemon(options, io.env);
      const names = name !== undefined ? [name] : ((await callService(target, await selfNode(target), 'folders', {})) as SyncedFolder[]).map((folder) => folder.name);
      const values = [];
      for (const folder of names) values.push(await control(target, { op: 'call', ref: await replicaOf(target, folder), method: 'status', args: {} }));
      if (options.json) io.stdout(json(name !== undefined ? values[0] : values));
      else io.stdout(values.length ? values.map((value) => statusView(value)).join('\n') : 'no synced folders: glow sync add PATH makes one\n');
    });

  clientCommand(sync.command('conflicts'))
    .description('conflict copies in a synced folder (name.sync-conflict-DATE-TIME-DEVICE.ext): the older side of concurrent edits')
    .argument('<name>', 'the synced folder', parseName)
    .action(async (name: string, options: SyncOptions) => {
      const target = await findDaemon(options, io.env);
      const value = await control(target, { op: 'call', ref: await replicaOf(target, name), method: 'status', args: {} });
      if (options.json) io.stdout(json((value as { conflicts: unknown }).conflicts));
      else io.stdout(conflictsView(value));
    });

  clientCommand(sync.command('remove'))
    .description('remove a replica (this device’s, or --on another’s) from a synced folder: it gets nothing more at once; its files stay')
    .argument('<name>', 'the synced folder', parseName)
    .option('--on <device>', 'the device (name or node id) whose replica to remove', parseName)
    .action(async (name: string, options: SyncOptions) => {
      const target = await findDaemon(options, io.env);
      const node = await targetNode(target, options.on);
      const value = (await callService(target, await selfNode(target), 'remove', { name, node })) as { removed: boolean };
      print(options, value, (v) => ((v as { removed: boolean }).removed ? `removed the replica of ${name} on ${options.on ?? 'this device'}\n` : `${options.on ?? 'this device'} held no replica of ${name}\n`));
    });
}
