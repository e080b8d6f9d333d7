/**
 * The Mesh view: a cytoscape graph of this tab, its neighbours (edges labelled with link kind
 * and RTT) and the nodes reached through them (dashed, via their next hop). Nodes that drop
 * out of the routing table stay a while, faded, so a loss is visible rather than silent.
 * The list below the graph says how each of the user's devices is reached: `direct` (a link of
 * the tab's) or `relayed via` a next hop, as `glow peers` does. Clicking (or Enter) on a node
 * shows its info and processes. Nodes go by their device names; ids show on demand.
 */
import cytoscape from 'cytoscape';
import type { Mesh } from '../../../src/actors/mesh.js';
import { relayedOwnDevices } from '../../../src/actors/peerPaths.js';
import type { NodeId } from '../../../src/firefly/address.js';
import { errorText, h } from './dom.js';
import { nodeRef, VIEW_TIMEOUT } from './meshQueries.js';
import { idTag, nodeLabel } from './nodeNames.js';

/** Mounts the view into `root`; refreshes every second. */
export function mountMeshView(root: HTMLElement, mesh: Mesh, connectRtc: (peer: NodeId) => Promise<void>): void {
  const graphBox = h('div', { id: 'graph', 'aria-label': 'mesh graph' });
  const list = h('ul', { class: 'list', id: 'mesh-nodes', 'aria-label': 'nodes' });
  const details = h('pre', { id: 'node-info', 'aria-live': 'polite' }, 'Select a node.');
  const rtc = h('button', { type: 'button', id: 'open-rtc', hidden: true }, 'Open a direct WebRTC link');
  const rtcOutcome = h('p', { id: 'rtc-result', 'aria-live': 'polite' });
  let selected: NodeId | undefined;
  rtc.onclick = () => {
    if (!selected) return;
    rtcOutcome.textContent = '…';
    connectRtc(selected).then(
      () => (rtcOutcome.textContent = 'WebRTC link open'),
      (error: unknown) => (rtcOutcome.textContent = errorText(error)),
    );
  };
  root.append(h('div', { class: 'split' }, h('div', {}, graphBox, list), h('div', {}, h('h2', {}, 'Node'), rtc, rtcOutcome, details)));
  const cy = cytoscape({
    container: graphBox,
    style: [
      { selector: 'node', style: { label: 'data(label)', 'background-color': '#4a7cff', 'font-size': 10 } },
      { selector: 'node.self', style: { 'background-color': '#f5a623' } },
      { selector: 'node.gone', style: { opacity: 0.25 } },
      { selector: 'edge', style: { label: 'data(label)', 'font-size': 9, width: 2, 'curve-style': 'bezier', 'line-color': '#99a' } },
      { selector: 'edge.route', style: { 'line-style': 'dashed', 'line-color': '#ccd' } },
    ],
  });
  const seen = new Set<NodeId>();
  let drawn = '';
  const show = async (node: NodeId) => {
    selected = node;
    rtc.hidden = node === mesh.id;
    rtcOutcome.textContent = '';
    details.classList.remove('error');
    const head = `${nodeLabel(mesh, node)}\nnode id ${node}\n`;
    details.textContent = `${head}…`;
    try {
      const info = await nodeRef(mesh, node).call('info', {}, { timeout: VIEW_TIMEOUT });
      details.textContent = `${head}${JSON.stringify(info, null, 2)}`;
    } catch (error) {
      details.textContent = `${head}${errorText(error)}`;
      details.classList.add('error');
    }
  };
  cy.on('tap', 'node', (event) => void show(event.target.id() as NodeId));
  const trust = mesh.node.trust;
  const nameOf = (id: NodeId) => nodeLabel(mesh, id);
  const refresh = () => {
    const neighbours = mesh.router.neighbours();
    const routes = mesh.router.routes();
    const relayedVia = new Map(trust ? relayedOwnDevices(mesh.router, trust).map((device) => [device.node, device.via]) : []);
    const live = new Set<NodeId>([mesh.id, ...neighbours.map((n) => n.node), ...routes.map((r) => r.destination)]);
    for (const id of live) seen.add(id);
    cy.batch(() => {
      for (const id of seen) {
        const existing = cy.getElementById(id);
        const element = existing.nonempty() ? existing : cy.add({ group: 'nodes', data: { id } });
        // A device's name can come after its route (with its certificate).
        if (element.data('label') !== nameOf(id)) element.data('label', nameOf(id));
        element.toggleClass('self', id === mesh.id);
        element.toggleClass('gone', !live.has(id));
      }
      cy.edges().remove();
      for (const n of neighbours) {
        const rtt = n.rtt === undefined ? '' : ` ${n.rtt.toFixed(1)} ms`;
        cy.add({ group: 'edges', data: { id: `l:${n.node}`, source: mesh.id, target: n.node, label: `${n.kind}${rtt}` } });
      }
      for (const r of routes) {
        if (r.nextHop === r.destination || !live.has(r.nextHop)) continue;
        cy.add({ group: 'edges', classes: 'route', data: { id: `r:${r.destination}`, source: r.nextHop, target: r.destination, label: `${r.hops} hops` } });
      }
    });
    if (cy.nodes().length !== list.childElementCount) cy.layout({ name: 'circle', animate: false }).run();
    const key = [...seen].map((id) => `${id}:${nameOf(id)}:${neighbours.find((n) => n.node === id)?.kind ?? ''}:${relayedVia.get(id) ?? ''}:${live.has(id)}`).join(',');
    if (key === drawn) return;
    drawn = key;
    list.replaceChildren(
      ...[...seen].map((id) => {
        const kind = neighbours.find((n) => n.node === id)?.kind;
        const via = relayedVia.get(id);
        const path = kind ? `${kind}, direct` : via ? `relayed via ${nameOf(via)}` : undefined;
        const item = h(
          'li',
          { tabindex: 0, 'data-node': id, 'data-link': kind, 'data-path': kind ? 'direct' : via ? 'relayed' : undefined, 'data-via': via, 'data-reachable': live.has(id) },
          `${id === mesh.id ? '★ ' : ''}${nameOf(id)}`,
          idTag(id),
          `${path ? ` — ${path}` : ''}${live.has(id) ? '' : ' (unreachable)'}`,
        );
        item.onclick = () => void show(id);
        item.onkeydown = (event) => {
          if (event.key === 'Enter') void show(id);
        };
        return item;
      }),
    );
  };
  refresh();
  mesh.node.clock.setInterval(refresh, 1000);
}
