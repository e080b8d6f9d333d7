import type { WebRtcBackend, WebRtcBackendName } from './webrtcPeer.js';

/**
 * Which WebRTC implementation a Node process uses: `werift` (pure TypeScript, always
 * installed), `node-datachannel` (native, 15–20× faster, an optional dependency), or `auto`
 * (node-datachannel when it loads, werift otherwise).
 */
export type WebRtcBackendChoice = WebRtcBackendName | 'auto';

const loaded = new Map<WebRtcBackendName, Promise<WebRtcBackend>>();

/**
 * Loads a backend by name. `auto` never fails because the optional package is missing: it
 * falls back to werift. Asking for `node-datachannel` by name when it is not installed (or its
 * native binary does not load on this machine) rejects with the reason.
 * @param choice @default 'auto'
 */
export async function loadWebRtcBackend(choice: WebRtcBackendChoice = 'auto'): Promise<WebRtcBackend> {
  if (choice === 'werift') return load('werift');
  if (choice === 'node-datachannel') return load('node-datachannel');
  try {
    return await load('node-datachannel');
  } catch {
    return load('werift');
  }
}

/** True when node-datachannel is installed and its native binary loads here. */
export async function hasNodeDataChannel(): Promise<boolean> {
  try {
    await load('node-datachannel');
    return true;
  } catch {
    return false;
  }
}

function load(name: WebRtcBackendName): Promise<WebRtcBackend> {
  let backend = loaded.get(name);
  if (!backend) {
    // Imported on demand, so that a missing optional package is a rejected promise here and
    // not a failed import of every module that mentions WebRTC.
    backend =
      name === 'werift'
        ? import('./webrtcWerift.js').then((module) => module.weriftBackend)
        : import('./webrtcNdc.js').then((module) => module.ndcBackend);
    backend.catch(() => loaded.delete(name));
    loaded.set(name, backend);
  }
  return backend;
}
