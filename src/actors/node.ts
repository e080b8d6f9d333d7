import { systemClock, type Clock } from '../firefly/clock.js';
import { GlowError } from '../firefly/errors.js';
import { formatResourceId, NODE_RESOURCE, newLocalId, parseResourceId, type NodeId, type ResourceId } from '../firefly/address.js';
import type { InterfaceDef } from '../firefly/idl.js';
import { DEFAULT_LIMITS, type ReceiveLimits } from '../firefly/limits.js';
import type { Packet } from '../firefly/packet.js';
import type { PacketPort } from '../router/port.js';
import { Cell, type CellHost } from './cell.js';
import { CellContext } from './context.js';
import { Directory, DirectoryInterface, DIRECTORY_RESOURCE } from './directory.js';
import { Door } from './door.js';
import { handlerActor } from './handlerLogic.js';
import { NodeInterface, type ProcessInfo, type ResourceSummary } from './interfaces.js';
import { processInfo, summarize } from './introspection.js';
import { machineActor } from './machineLogic.js';
import { nodeHandlers } from './nodeResource.js';
import type { PeerPolicy } from './policy.js';
import { spawnProcess, type ProcessHost, type ProcessKind } from './process.js';
import { ResourceRef, type CallOptions, type AnyResourceRef } from './ref.js';
import { Remote } from './remote.js';
import { RemoteStreams } from './remoteStreams.js';
import { Reports, type NodeReport } from './reports.js';
import type { HandlerResourceSpec, MachineResourceSpec, ResourceSpec } from './resource.js';
import { Signals } from './signals.js';
import { emptyNodeStats, type NodeStats, type NodeTables } from './stats.js';
import type { Trust } from './trust/trust.js';
import { TrustEndpoint, TrustInterface } from './trust/trustEndpoint.js';
import { trustPolicy, TRUST_RESOURCE } from './trust/trustPolicy.js';
import { UserNameSpace } from './trust/userNameSpace.js';
import type { DownSignal, ExitReason, Replier, StreamSink } from './types.js';

/** Options of a {@link Node}. */
export interface NodeOptions {
  /**
   * The node's id. The mesh derives it from the node's public key.
   * @default a random id
   */
  id?: NodeId;
  /**
   * Monotonic clock and timers: call timeouts, supervisors' restart intensity, backoff and
   * shutdown timers. Tests pass a `ManualClock` and move it forward.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Wall clock (ms since the epoch) that stamps name claims and reports; the directory settles
   * two claims on one name by the earlier stamp.
   * @default Date.now
   */
  wallClock?: () => number;
  /**
   * Milliseconds a call waits for its reply unless the call says otherwise.
   * @default 5000
   */
  callTimeout?: number;
  /**
   * Receive limits for packets that arrive through the port.
   * @default DEFAULT_LIMITS
   */
  limits?: Partial<ReceiveLimits>;
  /**
   * Reports kept for `glow.Node/1 info` (the most recent ones); listeners get every one.
   * @default 100
   */
  maxReports?: number;
  /**
   * What other nodes may ask of this node's resources, decided at the door (see `door.ts`)
   * before any mailbox sees a request. Requests from code inside the node never reach it.
   * @default the trust policy when `trust` is given (own devices everything, friends through
   * grants, nobody else anything); otherwise undefined (every request is admitted)
   */
  policy?: PeerPolicy;
  /**
   * The user this node belongs to and what it knows of devices and friends. With it, the node
   * answers `glow.Trust/1` (local id `trust`) and its door follows the trust policy.
   * @default undefined (a node of no user, which admits every request)
   */
  trust?: Trust;
}

/** Options when spawning a resource or process. */
export interface SpawnOptions {
  /** The process that owns it; it ends when its owner ends. */
  owner?: ResourceId;
  /** Link it to its owner (default true when there is an owner). */
  link?: boolean;
}

/** Spawn options used by the runtime itself (the node's own resources, processes). */
interface CellOptions extends SpawnOptions {
  /** A fixed local id instead of a fresh one. */
  local?: string;
  /** Marks the resource as a process of this kind. */
  kind?: string;
  /** Builds the context handlers receive. */
  context?: (cell: Cell) => CellContext;
}

/**
 * A node: the local actor system (resources, processes, names) and the Node resource
 * (`glow.Node/1`). Packets leave through an attached {@link PacketPort}; packets from other
 * nodes enter through {@link Node.receive}, the door (`door.ts`) where their sender is known
 * and the node's {@link PeerPolicy} decides what they may do.
 *
 * The node composes its parts and gives each only what it uses: cells see a {@link CellHost},
 * the signal bookkeeping a lookup and the outgoing port, the door its tables. No part outside
 * `src/actors` sees a cell.
 */
export class Node {
  readonly id: NodeId;
  readonly clock: Clock;
  readonly callTimeout: number;
  readonly limits: ReceiveLimits;
  /** The mesh-wide name directory (this node's replica). */
  readonly directory: Directory;
  readonly stats: NodeStats = emptyNodeStats();
  /** The node itself as a resource. */
  readonly self: ResourceRef<typeof NodeInterface>;
  /** The user this node belongs to and the devices and friends it knows, when it has a user. */
  readonly trust: Trust | undefined;
  private readonly trustEndpoint: TrustEndpoint | undefined;
  private readonly cells = new Map<string, Cell>();
  private readonly kinds = new Map<string, ProcessKind>();
  private readonly signals: Signals;
  private readonly remote: Remote;
  private readonly streams: RemoteStreams;
  private readonly door: Door;
  private readonly castListeners = new Set<(target: ResourceId, error: GlowError) => void>();
  private readonly reports: Reports;
  /** What every cell of this node sees of it. */
  private readonly cellHost: CellHost = { cellExited: (cell, reason) => this.cellExited(cell, reason) };
  private readonly processHost: ProcessHost;
  private closed = false;
  /** Clean-ups of ended processes still running (`ProcessBehaviour.terminate`). */
  private readonly finishing = new Set<Promise<unknown>>();

  constructor(options: NodeOptions = {}) {
    this.id = options.id ?? newLocalId();
    this.clock = options.clock ?? systemClock;
    this.callTimeout = options.callTimeout ?? 5000;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.reports = new Reports(options.maxReports ?? 100, options.wallClock ?? Date.now);
    const lookup = (local: string) => this.cells.get(local);
    const self: ResourceId = { node: this.id, local: NODE_RESOURCE };
    this.remote = new Remote({ self, limits: this.limits, stats: this.stats, clock: this.clock });
    this.signals = new Signals({ id: this.id, cell: lookup, remote: this.remote });
    this.streams = new RemoteStreams({
      limits: this.limits,
      stats: this.stats,
      cell: lookup,
      send: (kind, dst, corr, method, body) => this.remote.send(kind, dst, corr, method, body),
    });
    this.door = new Door({
      id: this.id,
      limits: this.limits,
      stats: this.stats,
      cell: lookup,
      signals: this.signals,
      remote: this.remote,
      streams: this.streams,
      castFailed: (target, error) => this.castFailed(target, error),
      policy: options.policy ?? (options.trust ? trustPolicy(options.trust, { whereis: (name) => this.directory.whereis(name), namesOf: (id) => this.directory.namesOf(id) }) : undefined),
    });
    this.processHost = {
      node: this,
      signals: this.signals,
      cell: lookup,
      spawnCell: (spec, spawn) => this.spawnCell(spec, spawn),
      finishing: (work) => {
        const settled = work.catch(() => undefined).finally(() => this.finishing.delete(settled));
        this.finishing.add(settled);
      },
    };
    this.directory = new Directory(
      {
        id: this.id,
        monitor: (target, listener) => this.monitor(target, listener),
        send: (peer, sync) => this.ref({ node: peer, local: DIRECTORY_RESOURCE }, DirectoryInterface).cast('sync', sync),
        // A node of a user reads names in users' namespaces: `docs` here is `HANDLE/docs` mesh-wide.
        names: options.trust ? new UserNameSpace(options.trust) : undefined,
        clock: this.clock,
      },
      options.wallClock,
    );
    const selfSpec: HandlerResourceSpec<typeof NodeInterface> = { iface: NodeInterface, handlers: nodeHandlers(this), concurrency: 64 };
    this.self = new ResourceRef(this, this.spawnCell(selfSpec, { local: NODE_RESOURCE }).id, NodeInterface);
    this.trust = options.trust;
    if (options.trust) {
      const endpoint = (this.trustEndpoint = new TrustEndpoint(options.trust, {
        id: this.id,
        send: (peer, member, args) => this.ref({ node: peer, local: TRUST_RESOURCE }, TrustInterface).cast(member, args as never),
      }));
      this.spawnCell({ iface: TrustInterface, handlers: endpoint.handlers() }, { local: TRUST_RESOURCE });
      options.trust.onChange((event) => {
        if (event.type === 'device') this.directory.resync(event.device.node);
      });
    }
    const directory = this.directory;
    this.spawnCell(
      {
        iface: DirectoryInterface,
        handlers: {
          sync: (sync, _ctx, caller) => (caller ? directory.receive(caller.node, sync) : undefined),
          list: () => directory.list(),
        },
      },
      { local: DIRECTORY_RESOURCE },
    );
  }

  // ---- resources -------------------------------------------------------------------------

  /** Starts a resource on this node and returns its ref. */
  spawnResource<I extends InterfaceDef>(spec: ResourceSpec<I>, options: SpawnOptions = {}): ResourceRef<I> {
    return new ResourceRef(this, this.spawnCell(spec, options).id, spec.iface);
  }

  /**
   * Starts a resource under a fixed local id: for the node's own well-known resources (its
   * signaling endpoint, say), which peers address without a lookup. `denied` when the id is taken.
   */
  spawnWellKnown<I extends InterfaceDef>(local: string, spec: ResourceSpec<I>): ResourceRef<I> {
    if (this.cells.has(local)) throw new GlowError('denied', `a resource with local id ${JSON.stringify(local)} already runs`);
    return new ResourceRef(this, this.spawnCell(spec, { local }).id, spec.iface);
  }

  private spawnCell<I extends InterfaceDef>(spec: ResourceSpec<I>, options: CellOptions): Cell {
    if (this.closed) throw new GlowError('noproc', 'the node is shut down');
    const owner = options.owner ? this.cells.get(options.owner.local) : undefined;
    if (options.owner && (!owner || options.owner.node !== this.id)) throw new GlowError('noproc', 'the owner is not running on this node');
    const isMachine = 'machine' in spec;
    const makeActor = isMachine
      ? machineActor(spec as MachineResourceSpec<InterfaceDef>)
      : handlerActor(spec as unknown as HandlerResourceSpec<InterfaceDef>, options.context ?? ((cell) => new CellContext(this, cell, this.signals)));
    const cell = new Cell(
      this.cellHost,
      {
        id: { node: this.id, local: options.local ?? newLocalId() },
        iface: spec.iface,
        owner: owner?.id,
        kind: options.kind,
        options: spec,
        defaultConcurrency: isMachine ? 'capacity' : 'one',
      },
      makeActor,
    );
    this.cells.set(cell.id.local, cell);
    if (owner) {
      owner.adopt(cell);
      if (options.link ?? true) this.signals.link(owner, cell.id);
    }
    cell.start();
    return cell;
  }

  /**
   * A ref to a resource by id or printable id (`glow://node/local`), typed by `iface` when given;
   * without it, any member name and any arguments type-check (the resource validates them).
   */
  ref<I extends InterfaceDef = any>(id: ResourceId | string, iface?: I): ResourceRef<I> {
    return new ResourceRef(this, typeof id === 'string' ? parseResourceId(id) : id, iface);
  }

  /** Names a resource for the whole mesh (freed when it ends). `denied` when the name is taken. */
  register(name: string, target: AnyResourceRef | ResourceId): void {
    this.directory.register(name, idOf(target));
  }

  /** Frees a name this node registered. */
  unregister(name: string): boolean {
    return this.directory.unregister(name);
  }

  /** The resource a name names anywhere in the mesh, if any. */
  whereis(name: string): ResourceId | undefined {
    return this.directory.whereis(name);
  }

  /**
   * A ref by name, resolved again at every call, so it follows the name when its resource is
   * restarted or moved to another node. A name that names nothing fails calls with `noproc`.
   */
  named<I extends InterfaceDef = any>(name: string, iface?: I): ResourceRef<I> {
    return new ResourceRef(this, () => this.directory.whereis(name), iface, name);
  }

  /**
   * A ref from what a person types: `glow://<node>/<id>`, `glow://<name>` or a bare name.
   * Text whose first segment is a node id is always an id: no name can read that way.
   */
  lookup<I extends InterfaceDef = any>(text: string, iface?: I): ResourceRef<I> {
    const bare = text.startsWith('glow://') ? text.slice('glow://'.length) : text;
    if (this.directory.whereis(bare)) return this.named(bare, iface);
    return this.ref(text.startsWith('glow://') ? text : `glow://${text}`, iface);
  }

  /** True when `target` is a resource of this node that has not ended (OTP `is_process_alive`); false for other nodes' resources. */
  isAlive(target: AnyResourceRef | ResourceId): boolean {
    return this.localCell(idOf(target))?.status === 'running';
  }

  /** What a local process is and owns, recursively; undefined when it is not a running resource of this node. */
  processInfo(target: AnyResourceRef | ResourceId): ProcessInfo | undefined {
    const cell = this.localCell(idOf(target));
    return cell ? processInfo(cell) : undefined;
  }

  /** How many monitors watch a resource of this node, set here or by other nodes (0 when it does not run). */
  monitorCount(target: AnyResourceRef | ResourceId): number {
    return this.localCell(idOf(target))?.monitorCount ?? 0;
  }

  private localCell(id: ResourceId): Cell | undefined {
    return id.node === this.id ? this.cells.get(id.local) : undefined;
  }

  /** Summaries of every resource on this node. */
  resources(): ResourceSummary[] {
    return [...this.cells.values()].map(summarize);
  }

  // ---- calls -------------------------------------------------------------------------------

  /** Calls a member of any resource. Used by {@link ResourceRef.call}. */
  callResource(id: ResourceId, member: string, args: unknown, options?: CallOptions): Promise<unknown> {
    const timeout = options?.timeout ?? this.callTimeout;
    if (id.node !== this.id) return this.remote.call(id, member, args, timeout);
    return new Promise((resolve, reject) => {
      const cell = this.cells.get(id.local);
      if (!cell) return reject(new GlowError('noproc', `no resource ${formatResourceId(id)}`));
      const clock = this.clock;
      let done = false;
      let timer: ReturnType<Clock['setTimeout']> | undefined = undefined;
      const reply: Replier = {
        resolve(value) {
          if (done) return;
          done = true;
          clock.clearTimeout(timer);
          resolve(value);
        },
        reject(error) {
          if (done) return;
          done = true;
          clock.clearTimeout(timer);
          reject(error);
        },
      };
      const started = clock.now();
      cell.accept('glow.call', member, args, reply);
      // Most local calls are settled within accept (a synchronous handler on an idle mailbox, a
      // refusal): arm the timeout only for a call still waiting, less the whole milliseconds
      // already spent (whole, so that timers of one duration share Node's timer list).
      if (done) return;
      timer = clock.setTimeout(
        () => {
          done = true;
          reject(new GlowError('timeout', `no reply from ${formatResourceId(id)} within ${timeout} ms`, { timeout }));
        },
        Math.max(0, timeout - Math.floor(clock.now() - started)),
      );
    });
  }

  /**
   * Casts to any resource. Used by {@link ResourceRef.cast}: a ref by name that names nothing is
   * a cast that failed, like any other.
   */
  castResource(target: AnyResourceRef | ResourceId, member: string, args: unknown): void {
    let id: ResourceId;
    try {
      id = idOf(target);
    } catch (error) {
      return this.castFailed({ node: this.id, local: 'unnamed' }, error as GlowError);
    }
    const error = id.node !== this.id ? this.remote.cast(id, member, args) : this.castLocal(id, member, args);
    if (error) this.castFailed(id, error);
  }

  private castLocal(id: ResourceId, member: string, args: unknown): GlowError | undefined {
    const cell = this.cells.get(id.local);
    return cell ? cell.accept('glow.cast', member, args) : new GlowError('noproc', `no resource ${formatResourceId(id)}`);
  }

  /** Counts and reports a cast that could not be delivered. */
  private castFailed(target: ResourceId, error: GlowError): void {
    this.stats.castsFailed++;
    for (const listener of this.castListeners) listener(target, error);
  }

  /** Listens for casts that could not be delivered; returns a function that stops listening. */
  onCastFailed(listener: (target: ResourceId, error: GlowError) => void): () => void {
    this.castListeners.add(listener);
    return () => this.castListeners.delete(listener);
  }

  /** Opens a stream on any resource into `sink`. Used by {@link ResourceRef.stream}. */
  openStream(id: ResourceId, member: string, args: unknown, sink: StreamSink): void {
    if (id.node !== this.id) {
      if (!this.remote.connected) return sink.error(new GlowError('noconnection', `no route to node ${id.node}`));
      return this.streams.consume(this.remote.nextCorr(), id, member, args, sink);
    }
    const cell = this.cells.get(id.local);
    if (!cell) return sink.error(new GlowError('noproc', `no resource ${formatResourceId(id)}`));
    cell.accept('glow.stream', member, args, sink);
  }

  // ---- signals -----------------------------------------------------------------------------

  /**
   * Watches a resource from outside any resource: `listener` gets one `DOWN` when it ends
   * (at once, with `noproc`, if it is already gone). Returns a function that stops watching.
   */
  monitor(target: AnyResourceRef | ResourceId, listener: (down: DownSignal) => void): () => void {
    const id = idOf(target);
    const monitor = this.signals.monitor(id, (reason) => listener({ type: 'glow.down', monitor, id, reason }));
    return () => this.signals.demonitor(monitor);
  }

  /** Resolves with the `DOWN` signal when the resource ends. */
  down(target: AnyResourceRef | ResourceId): Promise<DownSignal> {
    return new Promise((resolve) => this.monitor(target, resolve));
  }

  /**
   * Sends an exit signal (OTP `exit/2`): `kill` ends the resource whatever it does; other
   * reasons end it unless it traps exits, in which case it receives them as an `EXIT` message;
   * `normal` is ignored by resources that do not trap exits.
   */
  exit(target: AnyResourceRef | ResourceId, reason: ExitReason | 'kill', from: ResourceId = this.self.id): void {
    this.signals.exit(idOf(target), reason, from);
  }

  private cellExited(cell: Cell, reason: ExitReason): void {
    this.cells.delete(cell.id.local);
    if (cell.owner) this.cells.get(cell.owner.local)?.disown(cell);
    this.directory.forget(cell.id);
    this.signals.cellExited(cell, reason);
  }

  // ---- reports -----------------------------------------------------------------------------

  /** Files a report (a supervisor's child ended, a start failed, …): kept for `info`, given to listeners. */
  report(report: Omit<NodeReport, 'at'>): NodeReport {
    return this.reports.add(report);
  }

  /** Listens for reports; returns a function that stops listening. */
  onReport(listener: (report: NodeReport) => void): () => void {
    return this.reports.listen(listener);
  }

  /** The most recent reports, oldest first. */
  recentReports(): NodeReport[] {
    return this.reports.recent();
  }

  // ---- processes ---------------------------------------------------------------------------

  /** Registers a process kind; `spawn(kind.name, …)` starts one. */
  registerKind(kind: ProcessKind): void {
    if (this.kinds.has(kind.name)) throw new GlowError('denied', `process kind ${kind.name} is already registered`);
    this.kinds.set(kind.name, kind);
  }

  /**
   * Loads process kinds from a module (any specifier `import()` accepts: a package or a path):
   * its default export, or its `kinds` export, is a kind or an array of kinds.
   */
  async loadKinds(specifier: string): Promise<string[]> {
    const module = (await import(specifier)) as { default?: unknown; kinds?: unknown };
    const exported = module.kinds ?? module.default;
    const kinds = (Array.isArray(exported) ? exported : [exported]) as ProcessKind[];
    for (const kind of kinds) {
      if (!kind || typeof kind.name !== 'string' || typeof kind.start !== 'function') {
        throw new GlowError('badarg', `${specifier} does not export process kinds (objects with name and start)`);
      }
    }
    for (const kind of kinds) this.registerKind(kind);
    return kinds.map((kind) => kind.name);
  }

  /** Registered process kinds. */
  listKinds(): ProcessKind[] {
    return [...this.kinds.values()];
  }

  /** Starts a process of a registered kind; resolves once its start function finished. */
  spawn(kind: string, args?: unknown, options: SpawnOptions = {}): Promise<ResourceRef> {
    const found = this.kinds.get(kind);
    if (!found) return Promise.reject(new GlowError('badarg', `no process kind named ${JSON.stringify(kind.slice(0, 64))}`));
    return spawnProcess(this.processHost, found, args, options);
  }

  /** The supervision trees: every process without an owning process, with what it owns. */
  processTree(): ProcessInfo[] {
    return [...this.cells.values()].filter((cell) => cell.kind !== undefined && !cell.owner).map(processInfo);
  }

  // ---- packets -----------------------------------------------------------------------------

  /** Attaches the port packets leave through (the router implements it). */
  attachPort(port: PacketPort): void {
    this.remote.attach(port);
  }

  /**
   * A packet from another node arrives: the door (`door.ts`) decides what it may do. Bad
   * packets are answered with an error or counted, never thrown.
   */
  receive(packet: Packet | Uint8Array): void {
    this.door.receive(packet);
  }

  /** Every call, stream, monitor and link waiting on `node` fails with `noconnection` (the router calls this). */
  nodeUnreachable(node: NodeId): void {
    this.directory.nodeUnreachable(node);
    this.trustEndpoint?.nodeUnreachable(node);
    this.remote.nodeUnreachable(node);
    this.door.nodeUnreachable(node);
    this.streams.nodeUnreachable(node);
    this.signals.nodeUnreachable(node);
  }

  /** A route to `node` appeared (the router calls this): the name directory syncs with it. */
  nodeReachable(node: NodeId): void {
    this.trustEndpoint?.nodeReachable(node);
    this.directory.nodeReachable(node);
  }

  /** The sizes of what the node keeps for monitors, links, peers, calls and streams (to check nothing leaks). */
  tables(): NodeTables {
    const { calls, monitors } = this.remote.waiting;
    const { consuming, producing } = this.streams.open;
    return {
      resources: this.cells.size,
      monitors: this.signals.monitorCount,
      remoteLinks: this.signals.remotelyLinkedCount,
      watchedByPeers: this.door.watchedCount,
      pendingCalls: calls,
      remoteMonitors: monitors,
      streams: consuming + producing,
    };
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Ends the node in supervision order: each top-level process (newest first) gets exit
   * `shutdown` and `timeout` ms to end (a supervisor stops its children in reverse start order
   * meanwhile) before it is killed; then every other resource, then the node resource.
   */
  async shutdown(options: { timeout?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const timeout = options.timeout ?? 5000;
    const tops = [...this.cells.values()].filter((cell) => cell.kind !== undefined && !cell.owner).reverse();
    for (const cell of tops) {
      const down = this.down(cell.id);
      this.exit(cell.id, 'shutdown');
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      await Promise.race([down, new Promise((resolve) => (timer = this.clock.setTimeout(() => resolve(undefined), timeout)))]);
      this.clock.clearTimeout(timer);
      cell.exit('killed');
    }
    for (const cell of [...this.cells.values()].reverse()) if (cell.id.local !== NODE_RESOURCE) cell.exit('shutdown');
    this.cells.get(NODE_RESOURCE)?.exit('shutdown');
    this.remote.close();
    this.streams.close();
    this.directory.close();
    if (this.finishing.size > 0) {
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      await Promise.race([Promise.all(this.finishing), new Promise((resolve) => (timer = this.clock.setTimeout(() => resolve(undefined), timeout)))]);
      this.clock.clearTimeout(timer);
    }
  }
}

/** The id of a ref or id (a ref by name resolves now, or throws `noproc`). */
function idOf(target: AnyResourceRef | ResourceId): ResourceId {
  return target instanceof ResourceRef ? target.id : target;
}
