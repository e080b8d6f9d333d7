/**
 * The raw baseline of route convergence: how long news of an event takes to reach every router
 * at all. Memory links of the same latency as the mesh's, on the same topology; the cut's ends
 * send a message to their neighbours, every router forwards the first copy it gets to all of its
 * own, and the clock stops when every router that can be reached has one.
 */
import { memoryLinkPair, type MemoryLinkControls } from '../../src/transport/memory.js';
import type { Link } from '../../src/transport/link.js';
import type { RouterMesh } from './mesh.js';

const MESSAGE = new Uint8Array(64);

/** Milliseconds for a flood from `origins` to reach every running router connected to them. */
export function flood(mesh: RouterMesh, origins: readonly number[]): Promise<number> {
  const size = mesh.ids.length;
  const links: Link[][] = Array.from({ length: size }, () => []);
  const controls: MemoryLinkControls[] = [];
  for (let a = 0; a < size; a++) {
    for (const b of mesh.adjacency[a]!) {
      if (b < a) continue;
      const [atA, atB, control] = memoryLinkPair(mesh.ids[a]!, mesh.ids[b]!, { latency: 1 });
      links[a]!.push(atA);
      links[b]!.push(atB);
      controls.push(control);
    }
  }
  const component = mesh.components();
  const wanted = new Set(origins.map((origin) => component[origin]));
  let left = 0;
  for (let i = 0; i < size; i++) if (mesh.routers[i] && wanted.has(component[i]!)) left++;
  const reached = new Uint8Array(size);
  return new Promise((resolve) => {
    const start = performance.now();
    const reach = (node: number) => {
      if (reached[node]) return;
      reached[node] = 1;
      for (const link of links[node]!) link.send(MESSAGE);
      if (--left === 0) {
        for (const control of controls) control.cut();
        resolve(performance.now() - start);
      }
    };
    for (let node = 0; node < size; node++) for (const link of links[node]!) link.onPacket(() => reach(node));
    for (const origin of origins) if (mesh.routers[origin]) reach(origin);
  });
}
