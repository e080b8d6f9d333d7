/**
 * The human rendering of each control answer (`--json` bypasses all of this). Values come from a
 * daemon that may be newer or older than this CLI, so every view reads defensively: a missing
 * field shows as `-`, an unexpected shape falls back to JSON, and nothing here throws.
 */
import type { DeviceValue, DownValue, PeerValue, RemovedValue, ResourceValue, RouteValue, SpawnValue, StatusValue, WhoamiValue } from '../control.js';
import { brief, cell, duration, json, oneLine, reasonText, rtt, schemaText, sizeText, table } from './format.js';
import type { ExportValue } from '../exports.js';
import { parseResourceId, type ResourceId } from '../../../src/firefly/address.js';

/**
 * How a view shows nodes and resources: by device name (a node with no known name by the start
 * of its id), or, with `--ids`, by their full ids.
 */
export interface ViewOptions {
  ids?: boolean;
  /** Node id → device name (the `names` answer). */
  names?: Readonly<Record<string, string>>;
}

/** A node as a view shows it: its device name, else the start of its id; the id itself with `ids`. */
export function nodeText(id: unknown, view: ViewOptions = {}): string {
  if (typeof id !== 'string' || id === '') return '-';
  if (view.ids) return id;
  const name = view.names && Object.hasOwn(view.names, id) ? view.names[id] : undefined;
  return typeof name === 'string' && name !== '' ? oneLine(name) : id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** A resource id as the daemon formats it (`glow://NODE/LOCAL`), or undefined for anything else. */
function splitResourceId(id: unknown): ResourceId | undefined {
  try {
    return typeof id === 'string' ? parseResourceId(id) : undefined;
  } catch {
    return undefined;
  }
}

/** A resource as a view shows it: `LOCAL on DEVICE` (the id with `ids`). */
export function resourceText(id: unknown, view: ViewOptions = {}): string {
  const parts = splitResourceId(id);
  if (view.ids || !parts) return cell(id);
  return `${brief(parts.local)} on ${nodeText(parts.node, view)}`;
}

/** A resource's own part of its id (`LOCAL` of `glow://NODE/LOCAL`); the id with `ids`. */
function localText(id: unknown, view: ViewOptions): string {
  const parts = splitResourceId(id);
  return view.ids || !parts ? cell(id) : brief(parts.local);
}

/** A value's fields as a view reads them: each may be missing or of another type. */
export type Loose<T> = { [K in keyof T]?: unknown };

/** The objects of an array answer (anything else: none). */
export function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

/** An object answer (anything else: an empty one). */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** `status`: one `key  value` line per fact. */
export function statusView(value: unknown): string {
  const s = record(value) as Loose<StatusValue>;
  const rows: [string, string][] = [
    ['node', cell(s.node)],
    ['name', cell(s.name)],
    ['pid', cell(s.pid)],
    ['uptime', typeof s.uptime === 'number' ? duration(s.uptime * 1000) : '-'],
    ['http', cell(s.http)],
    ['link', cell(s.link)],
    ['signaling', cell(s.signaling)],
    ['peers', cell(s.peers)],
    ['routes', cell(s.routes)],
    ['resources', cell(s.resources)],
    ['processes', cell(s.processes)],
  ];
  return keyValueLines(rows);
}

/** `whoami`: the user, this device and its certificate, one `key  value` line each. */
export function whoamiView(value: unknown): string {
  const w = record(value) as Loose<WhoamiValue>;
  const date = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : '-');
  return keyValueLines([
    ['user', cell(w.user)],
    ['device', cell(w.name)],
    ['node', cell(w.node)],
    ['roles', Array.isArray(w.roles) ? w.roles.map(String).join(', ') || '-' : '-'],
    ['issued', date(w.issued)],
    ['expires', date(w.expires)],
    ['user key', w.userKey === true ? 'on this device' : w.userKey === false ? 'not on this device' : '-'],
    ['devices', cell(w.devices)],
    ['friends', cell(w.friends)],
  ]);
}

/** `devices`: NAME, ROLES, ONLINE, LAST SEEN (this device first, marked `*`); NODE too with `ids`. */
export function devicesView(value: unknown, view: ViewOptions = {}, now = Date.now()): string {
  const rows = list(value).map((device: Loose<DeviceValue>) => [
    `${cell(device.name)}${device.self === true ? ' *' : ''}`,
    ...(view.ids ? [cell(device.node)] : []),
    Array.isArray(device.roles) ? device.roles.map(String).join(', ') : '-',
    device.online === true ? 'yes' : device.online === false ? 'no' : '-',
    device.self === true ? 'now' : typeof device.lastSeen === 'number' ? `${duration(Math.max(0, now - device.lastSeen))} ago` : '-',
  ]);
  return rows.length ? table(['NAME', ...(view.ids ? ['NODE'] : []), 'ROLES', 'ONLINE', 'LAST SEEN'], rows) : 'no devices\n';
}

/** `devices remove`. */
export function removedView(value: unknown): string {
  const r = record(value) as Loose<RemovedValue>;
  return `removed ${cell(r.name)} (${cell(r.node)}): its links are cut and every node that hears of it refuses it\n`;
}

function keyValueLines(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, text]) => `${key.padEnd(width)}  ${text}`).join('\n') + '\n';
}

/** `peers`: KIND, NODE (its device name), RTT, bytes IN and OUT on its links, and PATH: `direct` or `relayed via <next hop>`. */
export function peersView(value: unknown, view: ViewOptions = {}): string {
  const bytes = (value: unknown) => (typeof value === 'number' ? sizeText(value) : '-');
  const peers = list(value) as Loose<PeerValue>[];
  // The names the peers come with (a daemon answers them), then what `names` knows.
  const known: Record<string, string> = { ...view.names };
  for (const peer of peers) if (typeof peer.node === 'string' && typeof peer.name === 'string' && peer.name !== '') known[peer.node] = peer.name;
  const named = { ...view, names: known };
  const path = (peer: Loose<PeerValue>) => (peer.path === 'relayed' ? `relayed via ${nodeText(peer.via, named)}` : cell(peer.path));
  const rows = peers.map((peer) => [cell(peer.kind), nodeText(peer.node, named), rtt(peer.rtt as number | null), bytes(peer.bytesIn), bytes(peer.bytesOut), path(peer)]);
  return rows.length ? table(['KIND', 'NODE', 'RTT', 'IN', 'OUT', 'PATH'], rows) : 'no peers\n';
}

/** `routes`: DESTINATION, NEXT HOP (device names), METRIC, HOPS. */
export function routesView(value: unknown, view: ViewOptions = {}): string {
  const rows = list(value).map((route: Loose<RouteValue>) => [nodeText(route.destination, view), nodeText(route.nextHop, view), cell(route.metric), cell(route.hops)]);
  return rows.length ? table(['DESTINATION', 'NEXT HOP', 'METRIC', 'HOPS'], rows) : 'no routes\n';
}

/**
 * `ls`: RESOURCE (its own part of the id), INTERFACE, DEVICE, OWNER, NAME; with `ids`: ID,
 * INTERFACE, OWNER, NAME with full ids.
 */
export function resourcesView(value: unknown, view: ViewOptions = {}): string {
  const resources = list(value) as Loose<ResourceValue>[];
  if (resources.length === 0) return 'no resources\n';
  if (view.ids) return table(['ID', 'INTERFACE', 'OWNER', 'NAME'], resources.map((r) => [cell(r.id), cell(r.interface), cell(r.owner), cell(r.name)]));
  const rows = resources.map((r) => [localText(r.id, view), cell(r.interface), nodeText(splitResourceId(r.id)?.node, view), r.owner === undefined ? '-' : resourceText(r.owner, view), cell(r.name)]);
  return table(['RESOURCE', 'INTERFACE', 'DEVICE', 'OWNER', 'NAME'], rows);
}

/**
 * `describe`: the resource's own facts (id, name, kind, owner … when the daemon adds them), its
 * interface, then one row per member with compact argument and result types.
 */
export function describeView(value: unknown): string {
  const d = record(value);
  const members = record(d.members);
  const facts = Object.entries(d)
    .filter(([key, fact]) => key !== 'members' && (typeof fact === 'string' || typeof fact === 'number' || typeof fact === 'boolean'))
    .map(([key, fact]) => [key, brief(fact)] as const);
  if (facts.length === 0 && Object.keys(members).length === 0) return json(value);
  const width = Math.max(0, ...facts.map(([key]) => key.length));
  let text = facts.map(([key, fact]) => `${key.padEnd(width)}  ${fact}`).join('\n') + (facts.length ? '\n' : '');
  const rows = Object.entries(members).map(([name, member]) => {
    const m = record(member);
    const kind = typeof m.kind === 'string' ? m.kind : '-';
    const result = kind === 'stream' ? `stream of ${schemaText(m.item)}` : kind === 'method' ? schemaText(m.result) : '-';
    return [name, kind, schemaText(m.args), result, cell(m.description)];
  });
  if (rows.length) text += `\n${table(['MEMBER', 'KIND', 'ARGS', 'RESULT', 'DESCRIPTION'], rows)}`;
  return text;
}

/** `call`: strings print as they are, everything else as indented JSON; no result prints nothing. */
export function resultView(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.endsWith('\n') ? value : `${value}\n`;
  return json(value);
}

/** `spawn`: the new process's ref, then its kind, name and whether it persists. */
export function spawnView(value: unknown): string {
  if (typeof value === 'string') return `${value}\n`;
  const v = record(value) as Loose<SpawnValue>;
  if (typeof v.ref !== 'string') return json(value);
  const extras = [cell(v.kind), ...(typeof v.name === 'string' ? [`name ${brief(v.name)}`] : []), ...(v.persisted === true ? ['persisted'] : [])];
  return `${brief(v.ref)}  ${extras.join('  ')}\n`;
}

/** `kill`: `killed <ref> (<reason>)`, from the DOWN the daemon waited for. */
export function killView(value: unknown, ref: string): string {
  const down = record(value) as Loose<DownValue>;
  const target = typeof down.ref === 'string' ? down.ref : ref;
  return 'reason' in down ? `killed ${brief(target)} (${reasonText(down.reason)})\n` : `killed ${brief(target)}\n`;
}

/** `monitor`: `DOWN <reason>`. */
export function downView(value: unknown): string {
  const down = record(value) as Loose<DownValue>;
  return `DOWN ${reasonText('reason' in down ? down.reason : value)}\n`;
}

/**
 * `tree`: the node (id, resource count), then its supervision trees, one process per line,
 * children indented under their parent, the plain resources a process owns listed under it with
 * a `-`. Also accepts one process or a list of them.
 */
export function treeView(value: unknown, view: ViewOptions = {}): string {
  const lines: string[] = [];
  const root = record(value);
  const whole = Array.isArray(root.processes);
  // Under a node's line, its processes by their own part of the id; alone, with their device.
  const idText = (id: unknown) => (typeof id !== 'string' ? undefined : whole ? localText(id, view) : resourceText(id, view));
  const visit = (item: Record<string, unknown>, depth: number) => {
    const indent = '  '.repeat(depth);
    const label = [idText(item.id), item.kind, item.name === undefined ? undefined : `(${brief(item.name)})`, item.interface]
      .filter((part): part is string => typeof part === 'string' && part !== '')
      .map((part) => brief(part));
    lines.push(`${indent}${label.join('  ') || brief(item)}`);
    for (const resource of list(item.resources)) {
      const parts = [idText(resource.id), resource.interface, resource.name].filter((part): part is string => typeof part === 'string');
      lines.push(`${indent}  - ${parts.map((part) => brief(part)).join('  ')}`);
    }
    for (const child of list(item.children)) visit(child, depth + 1);
  };
  if (whole) {
    const count = typeof root.resources === 'number' ? `  (${root.resources} resource${root.resources === 1 ? '' : 's'})` : '';
    lines.push(`${nodeText(root.id, view)}${count}`);
    const processes = list(root.processes);
    for (const process of processes) visit(process, 1);
    if (processes.length === 0) lines.push('  no processes');
  } else {
    for (const item of Array.isArray(value) ? list(value) : [root]) visit(item, 0);
  }
  return lines.length ? `${lines.join('\n')}\n` : 'no processes\n';
}

/** `put`, `restore`: the file's path, size and new version. */
export function fileStatView(value: unknown): string {
  const v = record(value);
  return `${cell(v.path)}  ${cell(v.size)} bytes  version ${cell(v.version)}\n`;
}

/** `ls-files`: one row per entry; directories end with `/`. */
export function filesView(value: unknown): string {
  const v = record(value);
  const rows = list(v.entries).map((entry) => [
    entry.type === 'dir' ? `${cell(entry.name)}/` : cell(entry.name),
    entry.type === 'dir' ? '-' : cell(entry.size),
    typeof entry.mtime === 'number' ? new Date(entry.mtime).toISOString() : '-',
  ]);
  return table(['NAME', 'SIZE', 'MODIFIED'], rows) + (v.truncated === true ? '(more entries not shown)\n' : '');
}

/** `versions`: the current content, then the previous ones, newest first (TIME: modified, or replaced). */
export function versionsView(value: unknown): string {
  const rows = list(value).map((entry) => [
    cell(entry.version),
    cell(entry.size),
    typeof entry.time === 'number' ? new Date(entry.time).toISOString() : '-',
    entry.current === true ? 'current' : entry.removed === true ? 'removed' : 'replaced',
  ]);
  return rows.length === 0 ? 'no versions\n' : table(['VERSION', 'SIZE', 'TIME', 'STATE'], rows);
}

/** `sub`: one channel item per line, `OFFSET MESSAGE_JSON`, with what was lost before it. */
export function channelItemView(value: unknown): string {
  const v = record(value);
  const notes: string[] = [];
  const gap = record(v.gap);
  if (typeof gap.from === 'number' && typeof gap.to === 'number') notes.push(`(gap: offsets ${gap.from}–${gap.to} are no longer kept)\n`);
  if (typeof v.dropped === 'number' && v.dropped > 0) notes.push(`(dropped ${v.dropped} messages: this subscriber fell behind)\n`);
  return `${notes.join('')}${cell(v.offset)} ${JSON.stringify(v.message ?? null)}\n`;
}

/** `export PATH`: what is shared now, and how to reach it. */
export function exportedView(value: unknown): string {
  const e = record(value) as Loose<ExportValue>;
  return `exported ${cell(e.path)} as ${cell(e.name)}${e.readOnly === true ? ' (read only)' : ''}: glow ls-files glow://${cell(e.name)}/ from any of your devices, /fs/${cell(e.name)}/ on the web, glow export remove ${cell(e.name)} to stop\n`;
}

/** `export ls`: NAME, FOLDER, MODE. */
export function exportsView(value: unknown): string {
  const rows = list(value).map((e: Loose<ExportValue>) => [cell(e.name), cell(e.path), e.readOnly === true ? 'read only' : 'read-write', typeof e.ref === 'string' ? 'running' : 'not running']);
  return rows.length ? table(['NAME', 'FOLDER', 'MODE', 'STATE'], rows) : 'no folders exported: glow export PATH shares one\n';
}

/** `export remove`. */
export function exportRemovedView(value: unknown): string {
  const e = record(value) as Loose<ExportValue>;
  return `${cell(e.name)} is no longer exported (${cell(e.path)} and its files are untouched)\n`;
}
