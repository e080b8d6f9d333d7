/**
 * Processes that survive a restart (`spawn --persist`). Each is recorded in `DIR/processes.json`
 * — `{ id, kind, args, name }` — with an atomic, fsynced write *before* the spawn is
 * acknowledged, so a daemon killed with SIGKILL right after the acknowledgement still has it.
 * They run as children of the daemon's root supervisor (one_for_one, permanent: a crash is
 * restarted), at spawn time and again at every start. `kill` of such a process forgets it.
 */
import { rename, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { Node } from '../../src/actors/node.js';
import type { ResourceRef } from '../../src/actors/ref.js';
import { newLocalId } from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import type { ChildSpec } from '../../src/supervision/childSpec.js';
import { startSupervisor, type SupervisorInterface } from '../../src/supervision/supervisor.js';
import { writeFileAtomic } from './atomicFile.js';
import { HOME_FILES } from './home.js';
import type { Logger } from './log.js';

/** One persisted process. */
export interface PersistedProcess {
  id: string;
  kind: string;
  args?: unknown;
  name?: string;
}

const FileSchema = v.object({
  version: v.literal(1),
  processes: v.array(v.object({ id: v.string(), kind: v.string(), args: v.optional(v.unknown()), name: v.optional(v.string()) })),
});

/** `DIR/processes.json`: read once at start, rewritten whole (atomically) at each change. */
export class ProcessStore {
  private records: PersistedProcess[] = [];
  /** Writes one after the other, so that a later state never loses to an earlier one. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  /**
   * Reads the file. A file that cannot be parsed is moved aside (`processes.json.corrupt-<time>`)
   * and reported, so that the next write does not destroy what a person may still recover.
   */
  async load(log: Logger): Promise<PersistedProcess[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      this.records = v.parse(FileSchema, JSON.parse(text)).processes as PersistedProcess[];
    } catch (error) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside);
      log.error({ event: 'persist.corrupt', file: this.file, movedTo: aside, error: String(error) }, `${this.file} is corrupt; moved to ${aside}`);
      this.records = [];
    }
    return [...this.records];
  }

  /** The recorded processes. */
  list(): PersistedProcess[] {
    return [...this.records];
  }

  /** Records a process; resolves once the record is durable. */
  add(record: PersistedProcess): Promise<void> {
    this.records.push(record);
    return this.save();
  }

  /** Forgets a process; resolves once that is durable. */
  remove(id: string): Promise<void> {
    this.records = this.records.filter((record) => record.id !== id);
    return this.save();
  }

  private save(): Promise<void> {
    const contents = `${JSON.stringify({ version: 1, processes: this.records }, null, 2)}\n`;
    const write = this.writing.then(() => writeFileAtomic(this.file, contents, 0o600));
    this.writing = write.catch(() => undefined);
    return write;
  }
}

/** The daemon's root supervisor and the persisted processes under it. */
export class PersistedProcesses {
  private root: ResourceRef<typeof SupervisorInterface> | undefined;
  private readonly store: ProcessStore;

  constructor(
    private readonly node: Node,
    home: string,
    private readonly log: Logger,
  ) {
    this.store = new ProcessStore(join(home, HOME_FILES.processes));
  }

  /** Starts the root supervisor and, under it, every recorded process (each failure is logged, not fatal). */
  async start(): Promise<void> {
    this.root = await startSupervisor(this.node, { strategy: 'one_for_one', intensity: 10, period: 60_000, backoff: { initial: 100, max: 5000 } });
    this.node.monitor(this.root, (down) => {
      if (down.reason !== 'shutdown') this.log.error({ event: 'persist.rootDown', reason: down.reason }, 'the root supervisor ended; persisted processes are not restarted');
    });
    for (const record of await this.store.load(this.log)) {
      try {
        const ref = await this.startChild(record);
        this.log.info({ event: 'persist.started', id: record.id, kind: record.kind, ref }, `persisted ${record.kind} started again`);
      } catch (error) {
        this.log.error(
          { event: 'persist.failed', id: record.id, kind: record.kind, error: String(error) },
          `persisted ${record.kind} (${record.id}) did not start; it stays recorded in ${HOME_FILES.processes}`,
        );
      }
    }
  }

  /** The processes recorded to start with the daemon. */
  list(): PersistedProcess[] {
    return this.store.list();
  }

  /** The root supervisor's ref. */
  get supervisor(): ResourceRef<typeof SupervisorInterface> | undefined {
    return this.root;
  }

  /**
   * Starts one of the daemon's own services (the jobs worker and scheduler) under the root
   * supervisor, restarted like any permanent child, but not recorded: the daemon starts it anew
   * at each start.
   */
  async startService(service: PersistedProcess): Promise<string> {
    return this.startChild(service);
  }

  /** Records, then starts, a process; if it does not start, the record is dropped again. */
  async spawn(kind: string, args: unknown, name: string | undefined): Promise<string> {
    if (!this.node.listKinds().some((known) => known.name === kind)) {
      throw new GlowError('badarg', `no process kind named ${JSON.stringify(kind.slice(0, 64))}`);
    }
    const record: PersistedProcess = { id: newLocalId(), kind, ...(args === undefined ? {} : { args }), ...(name ? { name } : {}) };
    await this.store.add(record);
    try {
      return await this.startChild(record);
    } catch (error) {
      await this.store.remove(record.id);
      throw error;
    }
  }

  /** When `ref` is a persisted process: forgets it and stops it; true. Otherwise false. */
  async forget(ref: string): Promise<boolean> {
    if (!this.root) return false;
    const children = await this.root.call('which_children', {});
    const child = children.find((candidate) => candidate.ref === ref);
    if (!child) return false;
    await this.store.remove(child.id);
    await this.root.call('terminate_child', { id: child.id }, { timeout: 10_000 });
    await this.root.call('delete_child', { id: child.id });
    return true;
  }

  private async startChild(record: PersistedProcess): Promise<string> {
    const spec: ChildSpec = {
      id: record.id,
      restart: 'permanent',
      start: async ({ node, supervisor }) => {
        const ref = await node.spawn(record.kind, record.args, { owner: supervisor });
        if (record.name) {
          try {
            node.register(record.name, ref);
          } catch (error) {
            node.exit(ref, 'kill');
            throw error;
          }
        }
        return ref;
      },
    };
    if (!this.root) throw new GlowError('noproc', 'the root supervisor is not running');
    const { ref } = await this.root.call('start_child', spec, { timeout: 30_000 });
    if (!ref) throw new GlowError('crashed', `${record.kind} did not start`);
    return ref;
  }
}
