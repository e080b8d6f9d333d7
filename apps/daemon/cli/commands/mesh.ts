/**
 * Commands about this daemon and the mesh around it: `status`, `whoami`, `devices`, `peers`, `routes`.
 */
import type { Command } from 'commander';
import { parseNode } from '../args.js';
import { devicesView, peersView, removedView, routesView, statusView, whoamiView } from '../views.js';
import { clientCommand, request, requestNamed, type CliIo, type ClientOptions } from './common.js';

/** Registers `status`, `whoami`, `devices`, `peers` and `routes`. */
export function registerMeshCommands(program: Command, io: CliIo): void {
  clientCommand(program.command('status'))
    .description("the daemon's node id, name, addresses, uptime and counts")
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'status' }, statusView);
    });

  clientCommand(program.command('whoami'))
    .description("this daemon's user and device: user id, device name, roles, certificate dates")
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'whoami' }, whoamiView);
    });

  const devices = program.command('devices').description("this user's devices: list them, remove one");
  clientCommand(devices.command('ls', { isDefault: true }))
    .description("this user's devices this daemon knows: name, node id, roles, online, last seen (* marks this one)")
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'devices' }, devicesView);
    });
  clientCommand(devices.command('remove'))
    .description('removes a device from this user (by name or node id): its links drop and every node refuses it')
    .argument('<device>', 'the device name or node id', parseNode)
    .action(async (device: string, options: ClientOptions) => {
      await request(io, options, { op: 'removeDevice', device }, removedView);
    });

  clientCommand(program.command('peers'))
    .description("the links of this daemon (direct), and this user's devices it reaches through the mesh (relayed via a next hop): kind, node, round-trip time, bytes, path")
    .action(async (options: ClientOptions) => {
      await requestNamed(io, options, { op: 'peers' }, peersView);
    });

  clientCommand(program.command('routes'))
    .description('the routing table: destination, next hop, metric, hops')
    .action(async (options: ClientOptions) => {
      await requestNamed(io, options, { op: 'routes' }, routesView);
    });
}
