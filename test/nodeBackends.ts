/**
 * Every test runs on the backends a Node.js embedder gets from `glow/node` (libsodium sealing,
 * node:crypto signatures), as the daemon does; the JavaScript backends the browser uses are
 * tested on their own (test/transport/ciphers.test.ts, identity tests).
 */
import '../src/node.js';
