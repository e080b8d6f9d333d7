/**
 * `GET /`: a plain status page with the daemon's live state — node id, name, peers (kind, RTT, path),
 * routes, supervision trees and resources — until the web app replaces it. Everything shown is
 * escaped: resource ids, interface ids and names arrive from other nodes.
 */
import type { PeerValue, ProcessTreeValue } from './control.js';
import { runOperation, type DaemonContext } from './operations.js';

const escape = (text: unknown) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function table(headers: string[], rows: unknown[][]): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  const head = headers.map((h) => `<th>${escape(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell ?? '')}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function tree(processes: ProcessTreeValue[]): string {
  if (processes.length === 0) return '<p class="none">none</p>';
  const item = (p: ProcessTreeValue): string =>
    `<li><code>${escape(p.id)}</code> ${escape(p.kind)} <small>${escape(p.interface)}</small>` +
    (p.resources.length ? `<ul>${p.resources.map((r) => `<li><code>${escape(r.id)}</code> <small>${escape(r.interface)}</small></li>`).join('')}</ul>` : '') +
    (p.children.length ? `<ul>${p.children.map(item).join('')}</ul>` : '') +
    '</li>';
  return `<ul class="tree">${processes.map(item).join('')}</ul>`;
}

/** Renders the page from the same operations the CLI uses. */
export async function renderStatusPage(ctx: DaemonContext): Promise<string> {
  const never = new AbortController().signal;
  const op = async <T>(request: object) => (await runOperation(ctx, request, never)).value as T;
  const status = await op<Record<string, unknown>>({ op: 'status' });
  const peers = await op<PeerValue[]>({ op: 'peers' });
  const routes = await op<{ destination: string; nextHop: string; metric: number; hops?: number }[]>({ op: 'routes' });
  const processes = (await op<{ processes: ProcessTreeValue[] }>({ op: 'tree' })).processes;
  const resources = await op<{ id: string; interface: string; owner?: string; name?: string }[]>({ op: 'ls' });
  const title = status.name ? `${String(status.name)} — Glow` : 'Glow daemon';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}code{font-size:12px}
table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}
.none{color:#888}h2{margin-top:1.5em}small{color:#666}
</style></head><body>
<h1>${escape(title)}</h1>
${table(
  ['node', 'name', 'pid', 'uptime (s)', 'http', 'link', 'signaling'],
  [[status.node, status.name ?? '', status.pid, status.uptime, status.http, status.link, status.signaling ?? '']],
)}
<h2>Peers (${peers.length})</h2>
${table(['node', 'kind', 'RTT (ms)', 'path'], peers.map((p) => [p.node, p.kind, p.rtt ?? (p.path === 'relayed' ? '' : 'not measured yet'), p.path === 'relayed' ? `relayed via ${p.via ?? '?'}` : p.path]))}
<h2>Routes (${routes.length})</h2>
${table(['destination', 'next hop', 'metric', 'hops'], routes.map((r) => [r.destination, r.nextHop, r.metric, r.hops ?? '']))}
<h2>Processes</h2>
${tree(processes)}
<h2>Resources (${resources.length})</h2>
${table(['id', 'interface', 'owner', 'name'], resources.map((r) => [r.id, r.interface, r.owner ?? '', r.name ?? '']))}
</body></html>
`;
}
