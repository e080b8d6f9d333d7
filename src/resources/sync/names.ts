/**
 * The names synced folders are found by, mesh-wide in the user's namespace (browser-safe: the web
 * app builds them too).
 */

/** The name a replica of folder `name` on `node` is registered under. */
export function replicaName(name: string, node: string): string {
  return `sync/${name}/${node}`;
}

/** What the names of every replica of folder `name` start with: the subject of a grant on the whole folder. */
export function replicasPrefix(name: string): string {
  return `sync/${name}/`;
}

/** The name of the channel a replica announces conflicts and removals on. */
export function eventsName(name: string, node: string): string {
  return `${replicaName(name, node)}/events`;
}

/** The name a node's sync service is registered under. */
export function syncServiceName(node: string): string {
  return `glow.sync/${node}`;
}

/**
 * `name` in `user`'s namespace, as any node that knows the user resolves it: a prefix of the user
 * id (a whole id would read as a node id, and a handle is each node's own petname).
 */
export function inNamespaceOf(user: string, name: string): string {
  return `${user.slice(0, 16)}/${name}`;
}
