/**
 * The persisted watch folders and the watchers running for them in this
 * process. Only one process per data directory runs watchers (two would queue
 * every file twice): it holds the `watches` lease while any watcher runs.
 */
import { stat } from 'node:fs/promises';
import type { WatchAdd, WatchFolder } from '../../common/contract.js';
import { ConflictError, fileErrorMessage, InvalidError } from '../../common/errors.js';
import type { NamedLeases } from '../library/leases.js';
import type { WatchStore } from './store.js';
import { FolderWatcher, type WatcherDeps } from './watcher.js';

const leaseName = 'watches';

export class WatchesBusyError extends ConflictError {
  constructor(holder: string | null) {
    super(
      `The watch folders of this library are already run by ${holder ?? 'another Yonos process'}; ` +
        'only one process runs them at a time. Stop that one first, or add the folder there.',
    );
    this.name = 'WatchesBusyError';
  }
}

export class WatchManager {
  readonly #active = new Map<number, FolderWatcher>();
  #holdsLease = false;

  constructor(
    private readonly store: WatchStore,
    private readonly deps: WatcherDeps,
    private readonly leases: NamedLeases,
  ) {}

  list(): WatchFolder[] {
    return this.store.list();
  }

  isActive(id: number): boolean {
    return this.#active.has(id);
  }

  /** Starts every watch folder that is not paused. */
  async startAll(): Promise<void> {
    for (const watch of this.store.list()) {
      if (!watch.paused) await this.#start(watch);
    }
  }

  async add(request: WatchAdd, start = true): Promise<WatchFolder> {
    const found = await stat(request.path).catch((error: unknown) => {
      throw new InvalidError(`${request.path}: ${fileErrorMessage(error)}`);
    });
    if (!found.isDirectory()) throw new InvalidError(`${request.path} is not a folder`);
    const watch = this.store.upsert(request);
    // Settings may have changed: a running watcher restarts with the new ones.
    await this.#stop(watch.id);
    if (start && !watch.paused) await this.#start(watch);
    return watch;
  }

  async remove(id: number): Promise<number> {
    await this.#stop(id);
    return this.store.remove(id);
  }

  async pause(id: number): Promise<WatchFolder> {
    await this.#stop(id);
    return this.#announce(this.store.setPaused(id, true));
  }

  /** Resuming rescans the folder, so files that arrived while paused are picked up. */
  async resume(id: number): Promise<WatchFolder> {
    const watch = this.store.setPaused(id, false);
    await this.#start(watch);
    return watch;
  }

  /** Runs one watch folder in this process (the headless `yonos watch`). */
  async start(id: number): Promise<void> {
    await this.#start(this.store.get(id));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#active.keys()].map((id) => this.#stop(id)));
    this.#releaseLease();
  }

  /** Makes this process the one that runs the watch folders; throws WatchesBusyError when another is. */
  reserve(): void {
    if (this.#holdsLease) return;
    if (!this.leases.acquire(leaseName)) throw new WatchesBusyError(this.leases.holder(leaseName));
    this.#holdsLease = true;
  }

  /**
   * The heartbeat. A lease lost means this process froze past its expiry and
   * another one runs the watches now: ours stop, so files are not queued twice.
   * Returns false then.
   */
  async renewLease(): Promise<boolean> {
    if (!this.#holdsLease || this.leases.renew(leaseName)) return true;
    this.#holdsLease = false;
    await this.stopAll();
    return false;
  }

  #releaseLease(): void {
    if (!this.#holdsLease) return;
    this.leases.release(leaseName);
    this.#holdsLease = false;
  }

  async #start(watch: WatchFolder): Promise<void> {
    if (this.#active.has(watch.id)) return;
    this.reserve();
    const watcher = new FolderWatcher(watch, this.deps);
    this.#active.set(watch.id, watcher);
    await watcher.start();
    this.#announce(watch);
  }

  async #stop(id: number): Promise<void> {
    const watcher = this.#active.get(id);
    if (watcher === undefined) return;
    this.#active.delete(id);
    await watcher.stop();
    if (this.#active.size === 0) this.#releaseLease();
    this.#announce(watcher.watch);
  }

  #announce(watch: WatchFolder): WatchFolder {
    this.deps.events?.emit({ type: 'watch', watch, active: this.#active.has(watch.id) });
    return watch;
  }
}
