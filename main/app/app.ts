/**
 * One Yonos backend: the library database, the job queue and its runner, and
 * the watch folders, wired to one event bus. The Electron main process,
 * `yonos serve` and the CLI commands each open one on the same data directory.
 */
import path from 'node:path';
import { Engine, type EngineOptions } from '../engine/index.js';
import type { ProbeLauncher } from '../engine/graph-probe-process.js';
import type { ActionTargets } from '../integration/file-manager-actions.js';
import { Estimates } from '../jobs/estimates.js';
import { LiveProgress } from '../jobs/live-progress.js';
import { JobQueue } from '../jobs/queue.js';
import { JobRunner, type QueueRunner } from '../jobs/runner.js';
import { backUpToday } from '../library/backups.js';
import { databasePath, openDatabase, type Db } from '../library/db.js';
import { Library } from '../library/library.js';
import { WatchesBusyError, WatchManager } from '../watch/manager.js';
import { WatchStore } from '../watch/store.js';
import type { UpscaleDevice } from '../../common/contract.js';
import { defaultDataDir } from '../engine/data-dir.js';
import { DataDirUser, ownerIsAlive } from '../library/data-dir-users.js';
import { DeviceMonitor } from './device-monitor.js';
import { EventBus } from '../../common/events.js';
import { heartbeatMs, NamedLeases, newLeaseOwner, type LeaseOwner } from '../library/leases.js';
import { SettingsStore } from '../library/settings-store.js';
import { definedFields } from '../../common/fields.js';

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
  /** Names this process to other ones (e.g. "yonos serve"), in messages about who holds what. */
  processName?: string;
  /** Runs the queue's jobs elsewhere (a cluster coordinator); default: this machine's runner. */
  runner?: (context: RunnerContext) => QueueRunner;
  /** Starts the model probe's process when a model is added; default: a Node child process. */
  probeLauncher?: ProbeLauncher;
}

/** What a runner other than the local one gets to work with. */
export interface RunnerContext {
  db: Db;
  queue: JobQueue;
  events: EventBus;
  engineOptions: EngineOptions;
  device: UpscaleDevice;
}

export class YonosApp {
  readonly events = new EventBus();
  readonly library: Library;
  readonly queue: JobQueue;
  readonly runner: QueueRunner;
  readonly watches: WatchManager;
  readonly settings: SettingsStore;
  readonly engineOptions: EngineOptions;
  readonly actionTargets: ActionTargets;
  readonly progress: LiveProgress;
  readonly estimates: Estimates;
  readonly device: DeviceMonitor;
  readonly probeLauncher: ProbeLauncher | undefined;
  /** A second engine for previews, so a preview never waits behind the queue. */
  #previewEngine: Promise<Engine> | null = null;
  readonly #heartbeat: NodeJS.Timeout;
  #beating: Promise<void> | null = null;
  /** The app and serve run every saved watch folder; other modes only what they start. */
  #runsAllWatches = false;
  /** Set while another process runs the watch folders and this one would run them. */
  #watchesWanted = false;
  #keepsBackups = false;
  #backup: Promise<void> | null = null;

  private constructor(
    readonly dataDir: string,
    readonly db: Db,
    readonly owner: LeaseOwner,
    private readonly user: DataDirUser,
    options: AppOptions,
  ) {
    this.settings = new SettingsStore(db);
    // The settings' device applies from the next start; an explicit option wins.
    this.device = new DeviceMonitor(options.device ?? this.settings.get().device);
    this.engineOptions = { ...engineOptionsFor(dataDir, options), log: this.device.log };
    this.progress = new LiveProgress(this.events);
    this.estimates = new Estimates(db, this.progress);
    this.actionTargets = options.actionTargets ?? {};
    this.probeLauncher = options.probeLauncher;
    this.library = new Library(db, path.join(dataDir, 'thumbnails'), this.events);
    const isAlive = (ownerId: string): boolean =>
      ownerId === owner.id || ownerIsAlive(dataDir, ownerId);
    this.queue = new JobQueue(db, this.library, owner, isAlive, this.events);
    this.runner =
      options.runner?.({
        db,
        queue: this.queue,
        events: this.events,
        engineOptions: this.engineOptions,
        device: this.device.requested,
      }) ??
      new JobRunner(this.queue, {
        device: this.device.requested,
        openEngine: async (engineOptions) => this.device.watch(await Engine.create(engineOptions)),
        engineOptions: this.engineOptions,
        events: this.events,
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      });
    this.watches = new WatchManager(
      new WatchStore(db),
      {
        library: this.library,
        queue: this.queue,
        events: this.events,
        ...(options.watchStabilityMs === undefined
          ? {}
          : { stabilityMs: options.watchStabilityMs }),
      },
      new NamedLeases(db, owner, isAlive),
    );
    this.#heartbeat = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => {
        this.#beating = null;
      });
    }, heartbeatMs).unref();
  }

  /**
   * Opens the database (integrity check, migrations); throws DamagedDatabaseError
   * when it fails. Until `close`, this process is recorded as a user of the data
   * directory, so `yonos library recover` leaves it alone.
   */
  static open(options: AppOptions = {}): YonosApp {
    const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
    const owner = newLeaseOwner(options.processName);
    const user = new DataDirUser(dataDir, owner);
    try {
      return new YonosApp(dataDir, openDatabase(databasePath(dataDir)), owner, user, options);
    } catch (error) {
      user.leave();
      throw error;
    }
  }

  /** The long-running mode (app, `yonos serve`): run jobs, watch folders, check originals. */
  async startBackground(): Promise<void> {
    this.keepDailyBackups();
    this.runner.start();
    this.#runsAllWatches = true;
    await this.#startWatches();
    void this.library.refresh().catch((error: unknown) => {
      console.error('yonos: checking the library originals failed:', error);
    });
  }

  /** Runs the saved watch folders; while another process runs them, takes over when it stops. */
  async #startWatches(): Promise<void> {
    try {
      await this.watches.startAll();
      if (this.#watchesWanted) console.error('yonos: now running the watch folders.');
      this.#watchesWanted = false;
    } catch (error) {
      if (!(error instanceof WatchesBusyError)) throw error;
      if (!this.#watchesWanted)
        console.error(`yonos: watch folders not started here: ${error.message}`);
      this.#watchesWanted = true;
    }
  }

  /** For processes that run for days (app, serve, watch): a copy of the library each day. */
  keepDailyBackups(): void {
    this.#keepsBackups = true;
    this.#backUp();
  }

  #backUp(): void {
    this.#backup ??= backUpToday(this.db, this.dataDir)
      .then(() => undefined)
      .catch((error: unknown) => {
        console.error(
          'yonos: the daily library backup failed:',
          error instanceof Error ? error.message : error,
        );
      })
      .finally(() => {
        this.#backup = null;
      });
  }

  /** Renews this process's leases. */
  async #beat(): Promise<void> {
    try {
      this.queue.renewLeases();
      if (!(await this.watches.renewLease())) {
        console.error(
          'yonos: another process took over the watch folders while this one was frozen.',
        );
        this.#watchesWanted = this.#runsAllWatches;
      }
      if (this.#watchesWanted) await this.#startWatches();
      if (this.#keepsBackups) this.#backUp();
    } catch (error) {
      console.error('yonos: heartbeat failed:', error instanceof Error ? error.message : error);
    }
  }

  previewEngine(): Promise<Engine> {
    this.#previewEngine ??= Engine.create(this.engineOptions);
    return this.#previewEngine;
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#beating;
    this.#watchesWanted = false;
    this.#keepsBackups = false;
    await this.#backup;
    await this.watches.stopAll();
    await this.runner.stop();
    const preview = this.#previewEngine;
    this.#previewEngine = null;
    if (preview !== null) await (await preview).close().catch(() => undefined);
    this.progress.close();
    this.db.close();
    this.user.leave();
  }
}

function engineOptionsFor(dataDir: string, options: AppOptions): EngineOptions {
  return {
    dataDir,
    ...definedFields({ modelDirs: options.modelDirs, threads: options.threads }),
  };
}
