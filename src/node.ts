/**
 * Glow's Node.js-only parts: a WebSocket link listener, the `ws` socket factory, WebRTC backends
 * (werift, node-datachannel) and the STUN responder. Import from `glow/node`; the main entry
 * stays free of Node-only imports so that the same core runs in a browser.
 * Importing it makes Ed25519 run on `node:crypto` (see `useSignatureBackend`) and sealing on
 * libsodium (see `useCipherBackend`).
 * @packageDocumentation
 */
import { useSignatureBackend } from './transport/identity.js';
import { nodeSignatures } from './transport/nodeSignatures.js';
import { useCipherBackend } from './transport/ciphers.js';
import { nodeCiphers } from './transport/nodeCiphers.js';

useSignatureBackend(nodeSignatures);
useCipherBackend(nodeCiphers);
export { nodeSignatures, nodeCiphers };
export { listenWebSocket, createNodeWebSocket } from './transport/websocketServer.js';
export type { ListenWebSocketOptions, WebSocketListener } from './transport/websocketServer.js';
export { allowOrigins, PROGRAMS_ONLY } from './transport/originCheck.js';
export type { OriginPolicy } from './transport/originCheck.js';
export { loadWebRtcBackend, hasNodeDataChannel } from './transport/webrtcBackend.js';
export type { WebRtcBackendChoice } from './transport/webrtcBackend.js';
export { webrtcTeardowns } from './transport/webrtcPeer.js';
export { startStunServer } from './transport/stunServer.js';
export type { StunServerOptions, StunServer } from './transport/stunServer.js';
export { fsKind, createFsKind, FsArgsSchema, DEFAULT_UPLOAD_LIMITS, DEFAULT_MAX_VERSIONS } from './resources/fs/index.js';
export type { FsKindFactoryOptions, FsKindOptions, UploadLimits, RetentionPolicy, FsErrorReason, FsErrorDetails } from './resources/fs/index.js';
export {
  createJobKinds,
  jobsKind,
  workerKind,
  Scheduler,
  Journal,
  parseJob,
  JobFileSchema,
  defineStepKind,
  hashStep,
  hashFilesStep,
  sleepStep,
  execStep,
  JobsInterface,
  WorkerInterface,
} from './resources/jobs/index.js';
export type { JobKindsOptions, SchedulerOptions, WorkerOptions, JobFile, StepFile, Schedule, StepRun, StepKindDefinition, JobView, StepView, HashFilesArgs } from './resources/jobs/index.js';
