/**
 * One Yonos backend: the library database, the job queue and its runner, and
 * the watch folders, wired to one event bus. The Electron main process,
 * `yonos serve` and the CLI commands each open one on the same data directory.
 */
import path from 'node:path';
import { Engine, type EngineOptions } from '../engine/index.js';
import type { ActionTargets } from '../integration/file-manager-actions.js';
import { Estimates } from '../jobs/estimates.js';
import { LiveProgress } from '../jobs/live-progress.js';
import { JobQueue } from '../jobs/queue.js';
import { JobRunner } from '../jobs/runner.js';
import { databasePath, openDatabase, type Db } from '../library/db.js';
import { Library } from '../library/library.js';
import { WatchManager } from '../watch/manager.js';
import { WatchStore } from '../watch/store.js';
import type { UpscaleDevice } from './contract.js';
import { defaultDataDir } from './data-dir.js';
import { DeviceMonitor } from './device-monitor.js';
import { EventBus } from './events.js';
import { SettingsStore } from './settings-store.js';

export interface AppOptions {
  /** Default: defaultDataDir(). */
  dataDir?: string;
  device?: UpscaleDevice;
  /** Extra model folders for the engine. */
  modelDirs?: string[];
  threads?: number;
  /** Watchers' write-finish wait (tests shorten it). */
  watchStabilityMs?: number;
  /** How often an idle runner checks for jobs queued by another process. */
  pollMs?: number;
  /** What the file-manager right-click actions run, when installed from this backend's UI. */
  actionTargets?: ActionTargets;
}

export class YonosApp {
  readonly events = new EventBus();
  readonly library: Library;
  readonly queue: JobQueue;
  readonly runner: JobRunner;
  readonly watches: WatchManager;
  readonly settings: SettingsStore;
  readonly engineOptions: EngineOptions;
  readonly actionTargets: ActionTargets;
  readonly progress: LiveProgress;
  readonly estimates: Estimates;
  readonly device: DeviceMonitor;
  /** A second engine for previews, so a preview never waits behind the queue. */
  #previewEngine: Promise<Engine> | null = null;

  private constructor(
    readonly dataDir: string,
    readonly db: Db,
    options: AppOptions,
  ) {
    this.settings = new SettingsStore(db);
    // The settings' device applies from the next start; an explicit option wins.
    this.device = new DeviceMonitor(options.device ?? this.settings.get().device);
    this.engineOptions = { ...engineOptionsFor(dataDir, options), log: this.device.log };
    this.progress = new LiveProgress(this.events);
    this.estimates = new Estimates(db, this.progress);
    this.actionTargets = options.actionTargets ?? {};
    this.library = new Library(db, path.join(dataDir, 'thumbnails'), this.events);
    this.queue = new JobQueue(db, this.library, this.events);
    this.runner = new JobRunner(this.queue, {
      device: this.device.requested,
      openEngine: async (engineOptions) => this.device.watch(await Engine.create(engineOptions)),
      engineOptions: this.engineOptions,
      events: this.events,
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    });
    this.watches = new WatchManager(new WatchStore(db), {
      library: this.library,
      queue: this.queue,
      events: this.events,
      ...(options.watchStabilityMs === undefined ? {} : { stabilityMs: options.watchStabilityMs }),
    });
  }

  /** Opens the database (integrity check, migrations); throws DamagedDatabaseError when it fails. */
  static open(options: AppOptions = {}): YonosApp {
    const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
    return new YonosApp(dataDir, openDatabase(databasePath(dataDir)), options);
  }

  /** The long-running mode (app, `yonos serve`): run jobs, watch folders, check originals. */
  async startBackground(): Promise<void> {
    this.runner.start();
    await this.watches.startAll();
    void this.library.refresh().catch((error: unknown) => {
      console.error('yonos: checking the library originals failed:', error);
    });
  }

  previewEngine(): Promise<Engine> {
    this.#previewEngine ??= Engine.create(this.engineOptions);
    return this.#previewEngine;
  }

  async close(): Promise<void> {
    await this.watches.stopAll();
    await this.runner.stop();
    const preview = this.#previewEngine;
    this.#previewEngine = null;
    if (preview !== null) await (await preview).close().catch(() => undefined);
    this.progress.close();
    this.db.close();
  }
}

function engineOptionsFor(dataDir: string, options: AppOptions): EngineOptions {
  return {
    dataDir,
    ...(options.modelDirs === undefined ? {} : { modelDirs: options.modelDirs }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
}
