/**
 * Glow: one relay network of all of a person's devices, and an operating system of addressable,
 * supervised Resources on top of it. This module is the public API; everything in it is
 * documented where it is defined.
 * @packageDocumentation
 */

// ---- Firefly: errors, addresses, wire format, IDL ------------------------------------------
export { ERROR_CODES, GlowError, isGlowError, errorFromWire, errorToWire, toGlowError, errorMessage } from './firefly/errors.js';
export type { ErrorCode, WireError } from './firefly/errors.js';
export { DEFAULT_LIMITS } from './firefly/limits.js';
export type { ReceiveLimits } from './firefly/limits.js';
export { encodeValue, decodeValue } from './firefly/codec.js';
export { NODE_RESOURCE, formatResourceId, parseResourceId, newLocalId, isIdSegment, sameResource } from './firefly/address.js';
export type { NodeId, ResourceId } from './firefly/address.js';
export { PROTOCOL_VERSION, PacketKind, DEFAULT_HOP_LIMIT, PacketRejection, encodePacket, decodePacket } from './firefly/packet.js';
export type { Packet, SignalName } from './firefly/packet.js';
export { defineInterface, method, cast, stream, findMember, RESERVED_MEMBERS } from './firefly/idl.js';
export type {
  Schema,
  MethodSpec,
  CastSpec,
  StreamSpec,
  MemberSpec,
  Members,
  MemberOptions,
  InterfaceDef,
  MethodName,
  CastName,
  StreamName,
  ArgsOf,
  ParsedArgsOf,
  ResultOf,
  ReturnOf,
  ItemOf,
  YieldOf,
} from './firefly/idl.js';
export { systemClock, systemWallClock, ManualClock, unrefTimer, refTimer } from './firefly/clock.js';
export type { Clock, Timer } from './firefly/clock.js';
export { validate } from './firefly/validate.js';
export type { WireIssue } from './firefly/validate.js';
export { u64, bytes } from './firefly/schemas.js';
export { describeInterface, jsonSchemaOf } from './firefly/describe.js';
export type { InterfaceDescription, MemberDescription, JsonSchema } from './firefly/describe.js';

// ---- Actors: nodes, resources, processes ---------------------------------------------------
export { Node } from './actors/node.js';
export type { NodeOptions, SpawnOptions } from './actors/node.js';
export type { NodeStats, NodeTables } from './actors/stats.js';
export { ADMIT, deny } from './actors/policy.js';
export type { PeerPolicy, PeerRequest, PeerAction, Denial } from './actors/policy.js';
export type { NodeReport } from './actors/reports.js';
export { ResourceRef } from './actors/ref.js';
export type { CallOptions } from './actors/ref.js';
export { DEFAULT_CREDIT } from './actors/stream.js';
export type { StreamOptions } from './actors/stream.js';
export { reply, replyTo } from './actors/machineLogic.js';
export type { CallToken, MachineEvent } from './actors/machineLogic.js';
export type { Handlers, ResourceContext, ResourceSpec, HandlerResourceSpec, MachineResourceSpec } from './actors/resource.js';
export { DEFAULT_CAPACITY, isCleanExit } from './actors/types.js';
export type { ExitReason, DownSignal, ExitSignal, Signal, ResourceOptions } from './actors/types.js';
export type { ProcessKind, ProcessContext, ProcessBehaviour } from './actors/process.js';
export { ProcessInterface, NodeInterface, NodeReportSchema, processInterface } from './actors/interfaces.js';
export type { ProcessInfo, ResourceSummary } from './actors/interfaces.js';
export { Registry } from './actors/registry.js';
export { Mesh } from './actors/mesh.js';
export type { MeshOptions } from './actors/mesh.js';
export { RtcInterface, RTC_RESOURCE } from './actors/meshSignals.js';
export { Directory, DirectoryInterface, DIRECTORY_RESOURCE } from './actors/directory.js';
export type { DirectoryEntry } from './actors/directory.js';
export type { AnyResourceRef } from './actors/ref.js';
export type { PacketPort, LocalEndpoint } from './router/port.js';

// ---- Transport (browser-safe parts; Node-only ones are in `glow/node`) ------------------------
export type { Link, LinkKind, LinkClose } from './transport/link.js';
export type { Channel } from './transport/channel.js';
export { memoryLinkPair } from './transport/memory.js';
export type { MemoryLinkOptions, MemoryLinkControls } from './transport/memory.js';
export { memoryChannelPair } from './transport/memoryChannel.js';
export { createIdentity, publicKeyOf, verifySignature, useSignatureBackend, nobleSignatures } from './transport/identity.js';
export type { NodeIdentity, SignatureBackend } from './transport/identity.js';
export { openLink } from './transport/openLink.js';
export type { OpenLinkOptions } from './transport/openLink.js';
export { FramedLink } from './transport/framedLink.js';
export type { FramingOptions, LinkLogEvent, LinkStats } from './transport/linkOptions.js';
export type { HeartbeatOptions } from './transport/heartbeat.js';
export { CloseReason, Refusal } from './transport/closeReasons.js';
export { webSocketChannel, connectWebSocket } from './transport/websocket.js';
export type { WebSocketLike, ConnectWebSocketOptions, WebSocketChannelOptions } from './transport/websocket.js';
export { dialWebRtc, acceptWebRtc } from './transport/webrtcNegotiation.js';
export type { NegotiationOptions } from './transport/webrtcNegotiation.js';
export type { WebRtcBackend, WebRtcBackendName, WebRtcPeer, WebRtcPeerOptions } from './transport/webrtcPeer.js';
export type { WebRtcSignal, SignalPort } from './transport/webrtcSignal.js';
export { connectSignaling, SignalingClient } from './transport/signalingClient.js';
export type { SignalingClientOptions, SignalingSocket, SignalingSocketClass, IncomingOffer } from './transport/signalingClient.js';
export { SIGNALING_ERRORS } from './transport/signalingProtocol.js';
export type { SignalingErrorCode } from './transport/signalingProtocol.js';

// ---- Router --------------------------------------------------------------------------------
export { Router, ROUTER_LOCAL } from './router/router.js';
export type { RouteInfo } from './router/router.js';
export type { RouterOptions } from './router/options.js';
export type { RouterStats, DropReason } from './router/stats.js';
export type { ReachabilityEvent } from './router/reachability.js';
export type { NeighbourInfo } from './router/neighbours.js';
export { rttLinkCost } from './router/metric.js';
export type { LinkCost } from './router/metric.js';

// ---- Supervision ---------------------------------------------------------------------------
export { supervisorKind, registerSupervision, startSupervisor, SupervisorInterface } from './supervision/supervisor.js';
export { candidatesOf, spawnOnCandidates } from './supervision/placement.js';
export { RestartIntensity } from './supervision/intensity.js';
export { backoffDelay, withJitter } from './supervision/backoff.js';
export type { BackoffSpec } from './supervision/backoff.js';
export type {
  ChildSpec,
  ChildStartContext,
  StartFunction,
  KindStart,
  RestartType,
  Shutdown,
  Strategy,
  Backoff,
  SupervisorSpec,
} from './supervision/childSpec.js';

// ---- Resources (browser-safe parts; the `fs` kind itself is in `glow/node`) -----------------
export {
  channelKind,
  ChannelArgsSchema,
  CHANNEL_DEFAULTS,
  ChannelInterface,
  RelayInterface,
  ChannelItemSchema,
  ChannelStateSchema,
  subscribeChannel,
  observeChannel,
  publishChannel,
  resolveChannel,
  relayFor,
  relaysOn,
} from './resources/channel/index.js';
export type { ChannelArgs, ChannelItem, ChannelPolicy, ChannelState, RelayState, SubscribeArgs, ChannelTarget, SubscribeChannelOptions, RelayOptions } from './resources/channel/index.js';
export { FileSystemInterface, MAX_CHUNK_BYTES } from './resources/fs/interface.js';
export type { FsArgs, FileStat, FileType, DirEntry, ListResult, ReadChunk, ChangeEvent, VersionEntry, FsConfig } from './resources/fs/interface.js';
