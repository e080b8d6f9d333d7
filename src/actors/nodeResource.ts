import { jsonSchemaOf } from '../firefly/describe.js';
import { formatResourceId } from '../firefly/address.js';
import type { NodeInterface } from './interfaces.js';
import type { Node } from './node.js';
import type { Handlers } from './resource.js';

/** The handlers of `glow.Node/1` for one node. */
export function nodeHandlers(node: Node): Handlers<typeof NodeInterface> {
  return {
    info: () => ({ id: node.id, resources: node.resources().length, processes: node.processTree(), reports: node.recentReports() }),
    kinds: () =>
      node.listKinds().map((kind) => ({
        name: kind.name,
        interface: (kind.interface?.id ?? 'glow.Process/1') as string,
        ...(kind.description ? { description: kind.description } : {}),
        ...(kind.args ? { args: jsonSchemaOf(kind.args) } : {}),
      })),
    spawn: async ({ kind, args }) => ({ id: formatResourceId((await node.spawn(kind, args)).id) }),
    processes: () => node.processTree(),
    resources: () => node.resources(),
  };
}
