/**
 * The job queue, persisted in SQLite so it survives restarts and crashes and
 * can be shared by the app, `yonos serve` and CLI commands on the same data
 * directory. Only this module writes job states; the runner asks it to.
 */
import type {
  Batch,
  Job,
  JobSelection,
  JobSettings,
  JobState,
  JobsQuery,
  QueueStatus,
  UpscaleDevice,
} from '../shared/contract.js';
import type { EventBus } from '../shared/events.js';
import type { Db } from '../library/db.js';
import {
  countJobs,
  listBatches,
  listJobs,
  publicJob,
  readJob,
  type JobRow,
  type QueuedJob,
} from './job-rows.js';

export type { QueuedJob } from './job-rows.js';
import type { Library } from '../library/library.js';

export interface NewJob {
  photoId: number | null;
  input: string;
  output: string;
  settings: JobSettings;
}

export interface NewBatch {
  label: string;
  priority: number;
  device: UpscaleDevice;
  watchId?: number | null;
}

export interface FinishedOutput {
  path: string;
  modelId: string;
  width: number;
  height: number;
  format: string;
}

/** Called when a job this process may be running was paused or cancelled. */
export type InterruptListener = (jobId: number) => void;

const activeStates = "('queued', 'running', 'paused')";
const pausedKey = 'queue.paused';

export class JobQueue {
  readonly #interruptListeners = new Set<InterruptListener>();
  readonly #wakeListeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly library: Library,
    private readonly events?: EventBus,
  ) {}

  // ---- adding --------------------------------------------------------------

  addBatch(batch: NewBatch, jobs: NewJob[]): { batchId: number; jobIds: number[] } {
    const now = Date.now();
    const result = this.db.transaction(() => {
      const batchId = Number(
        this.db
          .prepare(
            'INSERT INTO batches (label, priority, watch_id, created_at) VALUES (?, ?, ?, ?)',
          )
          .run(batch.label, batch.priority, batch.watchId ?? null, now).lastInsertRowid,
      );
      const insert = this.db.prepare(
        `INSERT INTO jobs (batch_id, photo_id, input, settings, output, device, priority, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const jobIds = jobs.map((job) =>
        Number(
          insert.run(
            batchId,
            job.photoId,
            job.input,
            JSON.stringify(job.settings),
            job.output,
            batch.device,
            batch.priority,
            now,
          ).lastInsertRowid,
        ),
      );
      return { batchId, jobIds };
    })();
    for (const jobId of result.jobIds) this.changed(jobId);
    this.#wake();
    return result;
  }

  /** Adds one job to an existing batch (watch folders keep one batch per session). */
  addToBatch(batchId: number, job: NewJob): number {
    const batch = this.db
      .prepare<[number], { priority: number }>('SELECT priority FROM batches WHERE id = ?')
      .get(batchId);
    if (batch === undefined) throw new Error(`Batch ${batchId} not found`);
    const jobId = Number(
      this.db
        .prepare(
          `INSERT INTO jobs (batch_id, photo_id, input, settings, output, device, priority, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          batchId,
          job.photoId,
          job.input,
          JSON.stringify(job.settings),
          job.output,
          'auto',
          batch.priority,
          Date.now(),
        ).lastInsertRowid,
    );
    this.changed(jobId);
    this.#wake();
    return jobId;
  }

  // ---- running -------------------------------------------------------------

  /** Takes the next queued job for `device` (or any device), highest priority first, then oldest. */
  claimNext(device: UpscaleDevice, workerPid = process.pid): QueuedJob | null {
    const claimed = this.db
      .transaction(() => {
        if (this.isPaused()) return undefined;
        const row = this.db
          .prepare<[UpscaleDevice], JobRow>(
            `SELECT * FROM jobs WHERE state = 'queued' AND device IN (?, 'auto')
           ORDER BY priority DESC, id LIMIT 1`,
          )
          .get(device);
        if (row === undefined) return undefined;
        this.db
          .prepare(
            `UPDATE jobs SET state = 'running', worker_pid = ?, attempts = attempts + 1,
             started_at = ?, error = NULL WHERE id = ?`,
          )
          .run(workerPid, Date.now(), row.id);
        return row.id;
      })
      .immediate();
    if (claimed === undefined) return null;
    this.changed(claimed);
    return this.get(claimed);
  }

  /**
   * Crash recovery: a job left `running` by a process that is gone goes back to
   * the queue. Its claimed output path is kept, so the next attempt can tell a
   * finished write (adopt it) from one that never completed (write again).
   */
  requeueInterrupted(isAlive: (pid: number) => boolean = processIsAlive): QueuedJob[] {
    const orphans = this.db
      .prepare<[], JobRow>("SELECT * FROM jobs WHERE state = 'running'")
      .all()
      .filter((row) => row.worker_pid === null || !isAlive(row.worker_pid));
    const requeue = this.db.prepare(
      "UPDATE jobs SET state = 'queued', worker_pid = NULL WHERE id = ? AND state = 'running'",
    );
    this.db.transaction(() => {
      for (const row of orphans) requeue.run(row.id);
    })();
    for (const row of orphans) this.changed(row.id);
    if (orphans.length > 0) this.#wake();
    return orphans.map((row) => this.get(row.id));
  }

  /** Fixes the job's output path before anything is written there. */
  claimOutput(jobId: number, output: string, modelId: string): void {
    const job = this.get(jobId);
    const settings = { ...job.settings, modelId };
    this.db
      .prepare('UPDATE jobs SET output = ?, output_claimed = 1, settings = ? WHERE id = ?')
      .run(output, JSON.stringify(settings), jobId);
  }

  /** Coarse progress; returns the job's current state so a runner notices cancels from elsewhere. */
  saveProgress(jobId: number, progress: number): JobState {
    this.db.prepare('UPDATE jobs SET progress = ? WHERE id = ?').run(progress, jobId);
    return this.get(jobId).state;
  }

  /** Records the output as a version of the photo and the job as done, atomically. */
  complete(jobId: number, output: FinishedOutput): void {
    const job = this.get(jobId);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO versions (photo_id, job_id, path, model_id, scale, width, height, format, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET photo_id = excluded.photo_id, job_id = excluded.job_id,
             model_id = excluded.model_id, scale = excluded.scale, width = excluded.width,
             height = excluded.height, format = excluded.format, created_at = excluded.created_at`,
        )
        .run(
          job.photoId,
          jobId,
          output.path,
          output.modelId,
          job.settings.scale,
          output.width,
          output.height,
          output.format,
          Date.now(),
        );
      this.finish(jobId, 'done', null);
    })();
    this.changed(jobId);
  }

  skip(jobId: number, reason: string): void {
    this.finish(jobId, 'skipped', reason);
    this.changed(jobId);
  }

  fail(jobId: number, error: string): void {
    this.finish(jobId, 'failed', error);
    this.changed(jobId);
  }

  /** An interrupted run that should run again later (shutdown, or the whole queue paused). */
  release(jobId: number): void {
    this.db
      .prepare(
        "UPDATE jobs SET state = 'queued', worker_pid = NULL, progress = 0 WHERE id = ? AND state = 'running'",
      )
      .run(jobId);
    this.changed(jobId);
  }

  private finish(jobId: number, state: JobState, error: string | null): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = ?, error = ?, finished_at = ?, worker_pid = NULL,
           progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END WHERE id = ?`,
      )
      .run(state, error, Date.now(), state, jobId);
  }

  // ---- user actions --------------------------------------------------------

  pause(selection: JobSelection): number {
    if (selection.ids === undefined) return this.setPaused(true);
    return this.transition(selection.ids, ['queued', 'running'], 'paused');
  }

  resume(selection: JobSelection): number {
    if (selection.ids === undefined) return this.setPaused(false);
    return this.transition(selection.ids, ['paused'], 'queued');
  }

  cancel(selection: JobSelection): number {
    return this.transition(
      this.idsOr(selection, activeStates),
      ['queued', 'running', 'paused'],
      'cancelled',
    );
  }

  retry(selection: JobSelection): number {
    const ids = this.idsOr(selection, "('failed')");
    return this.transition(ids, ['failed', 'cancelled'], 'queued');
  }

  private idsOr(selection: JobSelection, states: string): number[] {
    return (
      selection.ids ??
      this.db
        .prepare<[], { id: number }>(`SELECT id FROM jobs WHERE state IN ${states}`)
        .all()
        .map((row) => row.id)
    );
  }

  private transition(ids: number[], from: JobState[], to: JobState): number {
    const update = this.db.prepare(
      `UPDATE jobs SET state = ?, error = NULL, worker_pid = NULL,
         finished_at = CASE WHEN ? IN ('cancelled') THEN ? ELSE NULL END,
         progress = CASE WHEN ? = 'queued' THEN 0 ELSE progress END
       WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})`,
    );
    const changed: number[] = [];
    const wasRunning = new Set(
      ids.filter(
        (id) =>
          this.db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id)?.state ===
          'running',
      ),
    );
    this.db.transaction(() => {
      for (const id of ids) {
        if (update.run(to, to, Date.now(), to, id, ...from).changes > 0) changed.push(id);
      }
    })();
    for (const id of changed) {
      this.changed(id);
      if (wasRunning.has(id)) this.#interrupt(id);
    }
    if (to === 'queued' && changed.length > 0) this.#wake();
    return changed.length;
  }

  isPaused(): boolean {
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM app_state WHERE key = ?')
      .get(pausedKey);
    return row?.value === 'true';
  }

  private setPaused(paused: boolean): number {
    if (this.isPaused() === paused) return 0;
    this.db
      .prepare(
        'INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(pausedKey, String(paused));
    this.events?.emit({ type: 'queue', paused });
    if (paused) for (const job of this.running()) this.#interrupt(job.id);
    else this.#wake();
    return 1;
  }

  // ---- reading -------------------------------------------------------------

  get(jobId: number): QueuedJob {
    return readJob(this.db, jobId);
  }

  list(query: JobsQuery): Job[] {
    return listJobs(this.db, query);
  }

  running(): Job[] {
    return listJobs(this.db, { state: 'running', limit: 1000 });
  }

  status(): QueueStatus {
    return { paused: this.isPaused(), counts: countJobs(this.db), running: this.running() };
  }

  batches(): Batch[] {
    return listBatches(this.db);
  }

  /**
   * Whether `file` is an output of ours, recorded or being written (a job fixes
   * its output path before writing): watchers must never feed on those, and
   * "overwrite" replaces nothing else.
   */
  isOwnOutput(file: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM versions WHERE path = ?').get(file) !== undefined ||
      this.db.prepare('SELECT 1 FROM jobs WHERE output = ? AND output_claimed = 1').get(file) !==
        undefined
    );
  }

  /** Whether a watch folder already queued this file (in any state). */
  watchHasJobFor(watchId: number, input: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM jobs JOIN batches ON batches.id = jobs.batch_id
           WHERE jobs.input = ? AND batches.watch_id = ?`,
        )
        .get(input, watchId) !== undefined
    );
  }

  // ---- notifications -------------------------------------------------------

  onInterrupt(listener: InterruptListener): () => void {
    this.#interruptListeners.add(listener);
    return () => this.#interruptListeners.delete(listener);
  }

  /** Called when work may have become available (added, resumed, retried, requeued). */
  onWake(listener: () => void): () => void {
    this.#wakeListeners.add(listener);
    return () => this.#wakeListeners.delete(listener);
  }

  #interrupt(jobId: number): void {
    for (const listener of this.#interruptListeners) listener(jobId);
  }

  #wake(): void {
    for (const listener of this.#wakeListeners) listener();
  }

  private changed(jobId: number): void {
    const job = this.get(jobId);
    if (job.photoId !== null) this.library.updateStatus(job.photoId);
    this.events?.emit({ type: 'job', job: publicJob(job) });
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
