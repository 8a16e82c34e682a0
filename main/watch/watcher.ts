/**
 * One watched folder: chokidar with write-finish detection, so a file still
 * being copied is handled once, when complete. Its output folder, our own
 * outputs and temp/hidden/sidecar names are ignored, so it can never feed on
 * itself. chokidar's initial scan doubles as the catch-up for files that
 * arrived while Yonos was closed: anything without a job from this watch yet.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import { plannedOutput, settingsFor } from '../jobs/plan.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Library } from '../library/library.js';
import { isIgnoredName, isPhotoFile } from '../library/photo-files.js';
import type { WatchFolder } from '../../common/contract.js';
import type { EventBus } from '../../common/events.js';
import { setFields } from '../../common/fields.js';

export interface WatcherDeps {
  library: Library;
  queue: JobQueue;
  events?: EventBus;
  /** How long a file's size must stay unchanged before it counts as written. */
  stabilityMs?: number;
}

export class FolderWatcher {
  #watcher: FSWatcher | null = null;
  #batchId: number | null = null;
  /** One file at a time, so an add and a change for one file never race to queue it twice. */
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly watch: WatchFolder,
    private readonly deps: WatcherDeps,
  ) {}

  /** Resolves once the initial scan is done (its files may still be settling). */
  async start(): Promise<void> {
    const stabilityThreshold = this.deps.stabilityMs ?? 2000;
    const watcher = chokidar.watch(this.watch.path, {
      ignored: (file) => this.isIgnoredPath(file),
      ignoreInitial: false,
      followSymlinks: false,
      awaitWriteFinish: { stabilityThreshold, pollInterval: Math.min(100, stabilityThreshold / 4) },
      ...(this.watch.recursive ? {} : { depth: 0 }),
    });
    this.#watcher = watcher;
    watcher.on('add', (file) => {
      this.#enqueueHandling(file);
    });
    watcher.on('change', (file) => {
      this.#enqueueHandling(file);
    });
    watcher.on('error', (error) => {
      this.#report(
        this.watch.path,
        'failed',
        error instanceof Error ? error.message : String(error),
      );
    });
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
  }

  async stop(): Promise<void> {
    const watcher = this.#watcher;
    this.#watcher = null;
    await watcher?.close();
    await this.#chain;
  }

  /** Paths chokidar should not even look at: the output folder, hidden and temp names. */
  isIgnoredPath(file: string): boolean {
    const resolved = path.resolve(file);
    if (this.watch.outDir !== null && isInside(resolved, this.watch.outDir)) return true;
    const relative = path.relative(this.watch.path, resolved);
    if (relative === '') return false;
    return relative.split(path.sep).some(isIgnoredName);
  }

  #enqueueHandling(file: string): void {
    this.#chain = this.#chain.then(() => this.#handle(path.resolve(file)));
  }

  async #handle(file: string): Promise<void> {
    if (this.#watcher === null || !isPhotoFile(file) || !existsSync(file)) return;
    const { queue, library } = this.deps;
    if (queue.isOwnOutput(file) || queue.watchHasJobFor(this.watch.id, file)) return;
    try {
      const photoId = await library.importFile(file);
      const settings = settingsFor(this.#request(), this.watch.path);
      const job = { photoId, input: file, settings, output: plannedOutput(file, settings) };
      if (queue.addWatchJob(this.#batch(), this.watch.id, job) !== null) {
        this.#report(file, 'queued', null);
      }
    } catch (error) {
      this.#report(file, 'failed', error instanceof Error ? error.message : String(error));
    }
  }

  #request(): Parameters<typeof settingsFor>[0] {
    const { scale, modelId, outDir, format } = this.watch;
    return {
      scale,
      collision: 'skip',
      mirror: true,
      ...setFields({ modelId, outDir, format }),
    };
  }

  /** One batch per watch session, made when its first file arrives. */
  #batch(): number {
    this.#batchId ??= this.deps.queue.addBatch(
      { label: `Watch ${this.watch.path}`, priority: 0, device: 'auto', watchId: this.watch.id },
      [],
    ).batchId;
    return this.#batchId;
  }

  #report(file: string, action: 'queued' | 'failed', detail: string | null): void {
    this.deps.events?.emit({
      type: 'watchFile',
      watchId: this.watch.id,
      path: file,
      action,
      detail,
    });
  }
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
