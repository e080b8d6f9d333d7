/**
 * Commands about this daemon and the mesh around it: `status`, `whoami`, `peers`, `routes`.
 */
import type { Command } from 'commander';
import { peersView, routesView, statusView, whoamiView } from '../views.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';

/** Registers `status`, `whoami`, `peers` and `routes`. */
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

  clientCommand(program.command('peers'))
    .description('the links of this daemon: kind, remote node, round-trip time')
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'peers' }, peersView);
    });

  clientCommand(program.command('routes'))
    .description('the routing table: destination, next hop, metric, hops')
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'routes' }, routesView);
    });
}
