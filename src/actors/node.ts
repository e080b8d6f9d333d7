import { systemClock, type Clock } from '../firefly/clock.js';
import { GlowError } from '../firefly/errors.js';
import { formatResourceId, NODE_RESOURCE, newLocalId, parseResourceId, type NodeId, type ResourceId } from '../firefly/address.js';
import type { InterfaceDef } from '../firefly/idl.js';
import { DEFAULT_LIMITS, type ReceiveLimits } from '../firefly/limits.js';
import type { Packet } from '../firefly/packet.js';
import { Cell, type CellHost } from './cell.js';
import { CellContext } from './context.js';
import { startHandlerActor } from './handlerLogic.js';
import { NodeInterface, type ProcessInfo, type ResourceSummary } from './interfaces.js';
import { processInfo, summarize } from './introspection.js';
import { Reports, type NodeReport } from './reports.js';
import { startMachineActor } from './machineLogic.js';
import { nodeHandlers } from './nodeResource.js';
import { spawnProcess, type ProcessKind } from './process.js';
import { ResourceRef, type CallOptions, type AnyResourceRef } from './ref.js';
import { Directory, DirectoryInterface, DIRECTORY_RESOURCE } from './directory.js';
import { Remote } from './remote.js';
import type { PacketPort } from '../router/port.js';
import type { HandlerResourceSpec, ResourceSpec } from './resource.js';
import { Signals } from './signals.js';
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
   * Wall clock (ms since the epoch) that stamps name claims; the directory settles two claims on
   * one name by the earlier stamp.
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
}

/** Counters a node keeps about what it refused or dropped, so that nothing is lost silently. */
export interface NodeStats {
  /** Casts that could not be delivered (noproc, busy, badarg, nomethod). */
  castsFailed: number;
  /** Packets refused by the decoder or the dispatcher. */
  packetsRejected: number;
}

/** Options when spawning a resource or process. */
export interface SpawnOptions {
  /** The process that owns it; it ends when its owner ends. */
  owner?: ResourceId;
  /** Link it to its owner (default true when there is an owner). */
  link?: boolean;
}

/** Spawn options used by the runtime itself (the Node resource, processes). */
interface InternalSpawnOptions {
  /** A fixed local id instead of a fresh one. */
  local?: string;
  /** Marks the resource as a process of this kind. */
  kind?: string;
  /** Builds the context handlers receive. */
  context?: (cell: Cell) => CellContext;
}

/**
 * A node: the local actor system (resources, processes, names) and the Node resource
 * (`glow.Node/1`). Packets leave through an attached {@link PacketPort} and enter through
 * {@link Node.receive}; that port is the one seam the router implements.
 */
export class Node implements CellHost {
  readonly id: NodeId;
  readonly clock: Clock;
  readonly callTimeout: number;
  readonly limits: ReceiveLimits;
  /** The mesh-wide name directory (this node's replica). */
  readonly directory: Directory;
  readonly stats: NodeStats = { castsFailed: 0, packetsRejected: 0 };
  /** The node itself as a resource. */
  readonly self: ResourceRef<typeof NodeInterface>;
  private readonly cells = new Map<string, Cell>();
  private readonly kinds = new Map<string, ProcessKind>();
  private readonly signals: Signals;
  private readonly remote: Remote;
  private readonly castListeners = new Set<(target: ResourceId, error: GlowError) => void>();
  private readonly reports: Reports;
  private closed = false;

  constructor(options: NodeOptions = {}) {
    this.id = options.id ?? newLocalId();
    this.clock = options.clock ?? systemClock;
    this.callTimeout = options.callTimeout ?? 5000;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.reports = new Reports(options.maxReports ?? 100, options.wallClock ?? Date.now);
    this.signals = new Signals(this);
    this.remote = new Remote(this);
    this.directory = new Directory(this, options.wallClock);
    this.self = this.spawnResource(
      { iface: NodeInterface, handlers: nodeHandlers(this), concurrency: 64 } satisfies HandlerResourceSpec<typeof NodeInterface>,
      { local: NODE_RESOURCE },
    );
    const directory = this.directory;
    this.spawnResource(
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
  spawnResource<I extends InterfaceDef>(spec: ResourceSpec<I>, options: SpawnOptions & InternalSpawnOptions = {}): ResourceRef<I> {
    if (this.closed) throw new GlowError('noproc', 'the node is shut down');
    const owner = options.owner ? this.cells.get(options.owner.local) : undefined;
    if (options.owner && (!owner || options.owner.node !== this.id)) throw new GlowError('noproc', 'the owner is not running on this node');
    const id: ResourceId = { node: this.id, local: options.local ?? newLocalId() };
    const isMachine = 'machine' in spec;
    const cell = new Cell(this, id, spec.iface, owner?.id, spec, isMachine ? 'capacity' : 'one');
    cell.kind = options.kind;
    this.cells.set(id.local, cell);
    if (owner) {
      (owner.owned ??= new Set()).add(cell);
      if (options.link ?? true) this.signals.link(owner, cell.id);
    }
    if (isMachine) startMachineActor(cell, spec as never);
    else {
      const ctx = options.context ? options.context(cell) : new CellContext(this, cell);
      startHandlerActor(cell, spec as unknown as HandlerResourceSpec<InterfaceDef>, ctx);
    }
    return new ResourceRef(this, id, spec.iface);
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
    this.directory.register(name, target instanceof ResourceRef ? target.id : target);
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
   * A registered name wins over the id reading of the same text.
   */
  lookup<I extends InterfaceDef = any>(text: string, iface?: I): ResourceRef<I> {
    const bare = text.startsWith('glow://') ? text.slice('glow://'.length) : text;
    if (this.directory.whereis(bare)) return this.named(bare, iface);
    return this.ref(text.startsWith('glow://') ? text : `glow://${text}`, iface);
  }

  /** The cell of a local resource, if it runs. */
  cell(local: string): Cell | undefined {
    return this.cells.get(local);
  }

  /** True when `target` is a resource of this node that has not ended (OTP `is_process_alive`); false for other nodes' resources. */
  isAlive(target: AnyResourceRef | ResourceId): boolean {
    const id = target instanceof ResourceRef ? target.id : target;
    return id.node === this.id && this.cells.get(id.local)?.status === 'running';
  }

  /** What a local process is and owns, recursively; undefined when it is not a running resource of this node. */
  processInfo(target: AnyResourceRef | ResourceId): ProcessInfo | undefined {
    const id = target instanceof ResourceRef ? target.id : target;
    const cell = id.node === this.id ? this.cells.get(id.local) : undefined;
    return cell ? processInfo(cell) : undefined;
  }

  // ---- reports ---------------------------------------------------------------------------

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

  /** Summaries of every resource on this node. */
  resources(): ResourceSummary[] {
    return [...this.cells.values()].map(summarize);
  }

  // ---- calls -----------------------------------------------------------------------------

  /** Calls a member of any resource. Used by {@link ResourceRef.call}. */
  callResource(id: ResourceId, member: string, args: unknown, options?: CallOptions): Promise<unknown> {
    const timeout = options?.timeout ?? this.callTimeout;
    if (id.node !== this.id) return this.remote.call(id, member, args, timeout);
    return new Promise((resolve, reject) => {
      const cell = this.cells.get(id.local);
      if (!cell) return reject(new GlowError('noproc', `no resource ${formatResourceId(id)}`));
      let done = false;
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const reply: Replier = {
        resolve(value) {
          if (done) return;
          done = true;
          if (timer !== undefined) clearTimeout(timer);
          resolve(value);
        },
        reject(error) {
          if (done) return;
          done = true;
          if (timer !== undefined) clearTimeout(timer);
          reject(error);
        },
      };
      const started = performance.now();
      cell.accept('glow.call', member, args, reply);
      // Most local calls are settled within accept (a synchronous handler on an idle mailbox, a
      // refusal): arm the timeout only for a call still waiting, less the whole milliseconds
      // already spent (whole, so that timers of one duration share Node's timer list).
      if (done) return;
      timer = setTimeout(
        () => {
          done = true;
          reject(new GlowError('timeout', `no reply from ${formatResourceId(id)} within ${timeout} ms`, { timeout }));
        },
        Math.max(0, timeout - Math.floor(performance.now() - started)),
      );
    });
  }

  /** Casts to any resource. Used by {@link ResourceRef.cast}. */
  castResource(id: ResourceId, member: string, args: unknown): void {
    if (id.node !== this.id) return this.remote.cast(id, member, args);
    const cell = this.cells.get(id.local);
    const error = cell ? cell.accept('glow.cast', member, args) : new GlowError('noproc', `no resource ${formatResourceId(id)}`);
    if (error) this.castFailed(id, error);
  }

  /** Counts and reports a cast that could not be delivered. */
  castFailed(target: ResourceId, error: GlowError): void {
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
    if (id.node !== this.id) return this.remote.stream(id, member, args, sink);
    const cell = this.cells.get(id.local);
    if (!cell) return sink.error(new GlowError('noproc', `no resource ${formatResourceId(id)}`));
    cell.accept('glow.stream', member, args, sink);
  }

  // ---- signals ---------------------------------------------------------------------------

  /**
   * Watches a resource from outside any resource: `listener` gets one `DOWN` when it ends
   * (at once, with `noproc`, if it is already gone). Returns a function that stops watching.
   */
  monitor(target: AnyResourceRef | ResourceId, listener: (down: DownSignal) => void): () => void {
    const id = target instanceof ResourceRef ? target.id : target;
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
    const id = target instanceof ResourceRef ? target.id : target;
    this.signals.exit(id, reason, from);
  }

  /** Sets a monitor on a resource of another node (through the port). */
  remoteMonitor(target: ResourceId, monitor: number, fire: (reason: ExitReason) => void): void {
    this.remote.monitor(target, monitor, fire);
  }

  /** Sends a link, unlink or exit signal to a resource of another node. */
  remoteSignal(name: 'link' | 'unlink' | 'exit', from: ResourceId, target: ResourceId, reason?: ExitReason | 'kill'): void {
    this.remote.signal(name, from, target, reason);
  }

  /** Drops a monitor on a resource of another node. */
  remoteDemonitor(node: NodeId, monitor: number): void {
    this.remote.demonitor(node, monitor);
  }

  /** Signal bookkeeping, for contexts and supervisors. */
  get signalTable(): Signals {
    return this.signals;
  }

  cellExited(cell: Cell, reason: ExitReason): void {
    this.cells.delete(cell.id.local);
    if (cell.owner) this.cells.get(cell.owner.local)?.owned?.delete(cell);
    this.directory.forget(cell.id);
    this.signals.cellExited(cell, reason);
  }

  // ---- processes -------------------------------------------------------------------------

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
    return spawnProcess(this, found, args, options);
  }

  /** The supervision trees: every process without an owning process, with what it owns. */
  processTree(): ProcessInfo[] {
    return [...this.cells.values()].filter((cell) => cell.kind !== undefined && !cell.owner).map(processInfo);
  }

  // ---- packets ---------------------------------------------------------------------------

  /** Attaches the port packets leave through (the router implements it). */
  attachPort(port: PacketPort): void {
    this.remote.port = port;
  }

  /** A packet arrives for this node. Bad packets are answered with an error or counted, never thrown. */
  receive(packet: Packet | Uint8Array): void {
    this.remote.receive(packet);
  }

  /** Every call and monitor pending on `node` fails with `noconnection` (the router calls this). */
  nodeUnreachable(node: NodeId): void {
    this.directory.nodeUnreachable(node);
    this.remote.nodeUnreachable(node);
  }

  /** A route to `node` appeared (the router calls this): the name directory syncs with it. */
  nodeReachable(node: NodeId): void {
    this.directory.nodeReachable(node);
  }

  // ---- lifecycle -------------------------------------------------------------------------

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
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([down, new Promise((resolve) => (timer = setTimeout(resolve, timeout)))]);
      clearTimeout(timer);
      cell.exit('killed');
    }
    for (const cell of [...this.cells.values()].reverse()) if (cell.id.local !== NODE_RESOURCE) cell.exit('shutdown');
    this.cells.get(NODE_RESOURCE)?.exit('shutdown');
    this.remote.close();
  }
}

