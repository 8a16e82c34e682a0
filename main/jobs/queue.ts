/**
 * The job queue, persisted in SQLite so it survives restarts and crashes and
 * can be shared by the app, `yonos serve` and CLI commands on the same data
 * directory. Only this module writes job states; the runner asks it to.
 */
import { createHash } from 'node:crypto';
import type {
  Batch,
  Job,
  JobSelection,
  JobSettings,
  JobState,
  JobsQuery,
  QueueStatus,
  UpscaleDevice,
} from '../../common/contract.js';
import type { EventBus } from '../../common/events.js';
import { leaseExpiry, leaseHolds, type LeaseOwner, type OwnerCheck } from '../library/leases.js';
import type { Db } from '../library/db.js';
import {
  countJobs,
  listBatches,
  listJobs,
  publicJob,
  readJob,
  toJob,
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

/** What enqueueing did with each job: added, or left out as work already queued. */
export interface AddedJobs {
  batchId: number;
  jobIds: number[];
  duplicates: { path: string; jobId: number }[];
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
    /** This backend, as the holder of the leases on the jobs it runs. */
    readonly owner: LeaseOwner,
    /** Whether the backend behind another owner id still runs. */
    private readonly isAlive: OwnerCheck,
    private readonly events?: EventBus,
  ) {}

  // ---- adding --------------------------------------------------------------

  /**
   * Adds a batch. A job that would redo work already queued, running or paused
   * (same photo content, settings and destination), from this process or
   * another, is left out and reported with the job that does it.
   */
  addBatch(batch: NewBatch, jobs: NewJob[]): AddedJobs {
    const now = Date.now();
    const result = this.db
      .transaction(() => {
        const batchId = Number(
          this.db
            .prepare(
              'INSERT INTO batches (label, priority, watch_id, created_at) VALUES (?, ?, ?, ?)',
            )
            .run(batch.label, batch.priority, batch.watchId ?? null, now).lastInsertRowid,
        );
        const added: AddedJobs = { batchId, jobIds: [], duplicates: [] };
        for (const job of jobs) {
          const duplicate = this.#activeJobDoing(job);
          if (duplicate === null) {
            added.jobIds.push(this.#insert(batchId, job, batch.device, batch.priority, now));
          } else added.duplicates.push({ path: job.input, jobId: duplicate });
        }
        return added;
      })
      .immediate();
    for (const jobId of result.jobIds) this.changed(jobId);
    this.#wake();
    return result;
  }

  /**
   * Adds one job to a watch folder's batch (one batch per watch session), unless
   * the watch already queued this file or the same work is queued; null then.
   */
  addWatchJob(batchId: number, watchId: number, job: NewJob): number | null {
    const jobId = this.db
      .transaction(() => {
        if (this.watchHasJobFor(watchId, job.input) || this.#activeJobDoing(job) !== null) {
          return null;
        }
        const batch = this.db
          .prepare<[number], { priority: number }>('SELECT priority FROM batches WHERE id = ?')
          .get(batchId);
        if (batch === undefined) throw new Error(`Batch ${batchId} not found`);
        return this.#insert(batchId, job, 'auto', batch.priority, Date.now());
      })
      .immediate();
    if (jobId !== null) {
      this.changed(jobId);
      this.#wake();
    }
    return jobId;
  }

  #insert(
    batchId: number,
    job: NewJob,
    device: UpscaleDevice,
    priority: number,
    now: number,
  ): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO jobs (batch_id, photo_id, input, settings, output, device, priority,
             created_at, work_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          batchId,
          job.photoId,
          job.input,
          JSON.stringify(job.settings),
          job.output,
          device,
          priority,
          now,
          this.#workKey(job),
        ).lastInsertRowid,
    );
  }

  /** The id of a queued, running or paused job doing the same work as `job`, else null. */
  #activeJobDoing(job: NewJob): number | null {
    const row = this.db
      .prepare<[string], { id: number }>(
        `SELECT id FROM jobs WHERE work_key = ? AND state IN ${activeStates} ORDER BY id LIMIT 1`,
      )
      .get(this.#workKey(job));
    return row?.id ?? null;
  }

  /** Same work: the same input content (by hash), the same settings, the same destination. */
  #workKey(job: NewJob): string {
    const hash =
      job.photoId === null
        ? undefined
        : this.db
            .prepare<[number], { hash: string }>('SELECT hash FROM photos WHERE id = ?')
            .get(job.photoId)?.hash;
    return createHash('sha256')
      .update(JSON.stringify([hash ?? job.input, job.settings, job.output]))
      .digest('base64url');
  }

  // ---- running -------------------------------------------------------------

  /**
   * Takes the next queued job for `device` (or any device), highest priority
   * first, then oldest: one UPDATE … RETURNING, so two processes never take the
   * same job. The job is leased to this backend; its heartbeat keeps the lease.
   */
  claimNext(device: UpscaleDevice): QueuedJob | null {
    const now = Date.now();
    const claimed = this.db
      .transaction(() => {
        if (this.isPaused()) return undefined;
        return this.db
          .prepare<[string, number, number, UpscaleDevice], JobRow>(
            `UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?,
               attempts = attempts + 1, started_at = ?, error = NULL
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND device IN (?, 'auto')
                         ORDER BY priority DESC, id LIMIT 1)
             RETURNING *`,
          )
          .get(this.owner.id, leaseExpiry(now), now, device);
      })
      .immediate();
    if (claimed === undefined) return null;
    this.changed(claimed.id);
    return toJob(claimed);
  }

  /** Extends the leases on the jobs this backend runs (its heartbeat). */
  renewLeases(now = Date.now()): void {
    this.db
      .prepare("UPDATE jobs SET lease_expires_at = ? WHERE state = 'running' AND lease_owner = ?")
      .run(leaseExpiry(now), this.owner.id);
  }

  /**
   * Crash recovery: a job left `running` by a backend that is gone, or whose
   * lease expired (its backend froze), goes back to the queue; with `ids`, only
   * those. Its claimed output path is kept, so the next attempt can tell a
   * finished write (adopt it) from one that never completed (write again).
   */
  requeueInterrupted(ids?: number[], now = Date.now()): QueuedJob[] {
    if (this.#lapsed(ids, now).length === 0) return [];
    const requeued = this.db
      .transaction(() => {
        const lapsed = this.#lapsed(ids, now);
        const requeue = this.db.prepare(
          "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
        );
        for (const id of lapsed) requeue.run(id);
        return lapsed;
      })
      .immediate();
    for (const id of requeued) this.changed(id);
    if (requeued.length > 0) this.#wake();
    return requeued.map((id) => this.get(id));
  }

  /** Running jobs of other backends whose lease no longer holds (their process is gone or froze). */
  interrupted(now = Date.now()): number[] {
    return this.#lapsed(undefined, now);
  }

  /**
   * Takes over a running job whose lease lapsed, keeping it running: a
   * restarted cluster coordinator re-attaches to the work its workers still
   * do. False when the lease holds again or the job stopped running.
   */
  takeOver(jobId: number, now = Date.now()): boolean {
    const taken = this.db
      .transaction(() => {
        if (!this.#lapsed([jobId], now).includes(jobId)) return false;
        return (
          this.db
            .prepare(
              "UPDATE jobs SET lease_owner = ?, lease_expires_at = ? WHERE id = ? AND state = 'running'",
            )
            .run(this.owner.id, leaseExpiry(now), jobId).changes > 0
        );
      })
      .immediate();
    if (taken) this.changed(jobId);
    return taken;
  }

  /** Whether this backend holds the job as a running one. */
  holds(jobId: number): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?")
        .get(jobId, this.owner.id) !== undefined
    );
  }

  /** Running jobs of other backends whose lease no longer holds. */
  #lapsed(ids: number[] | undefined, now: number): number[] {
    return this.db
      .prepare<[string], Pick<JobRow, 'id' | 'lease_owner' | 'lease_expires_at'>>(
        `SELECT id, lease_owner, lease_expires_at FROM jobs
         WHERE state = 'running' AND lease_owner IS NOT ?`,
      )
      .all(this.owner.id)
      .filter(
        (row) =>
          (ids === undefined || ids.includes(row.id)) &&
          !leaseHolds(row.lease_owner, row.lease_expires_at, this.isAlive, now),
      )
      .map((row) => row.id);
  }

  /**
   * Fixes the job's output path before anything is written there. False while
   * another running job (of any process) has claimed that path: two jobs never
   * write one file at the same time.
   */
  claimOutput(jobId: number, output: string, modelId: string): boolean {
    return this.db
      .transaction(() => {
        const taken = this.db
          .prepare(
            `SELECT 1 FROM jobs WHERE output = ? AND output_claimed = 1 AND state = 'running'
               AND id != ?`,
          )
          .get(output, jobId);
        if (taken !== undefined) return false;
        const settings = { ...this.get(jobId).settings, modelId };
        this.db
          .prepare('UPDATE jobs SET output = ?, output_claimed = 1, settings = ? WHERE id = ?')
          .run(output, JSON.stringify(settings), jobId);
        return true;
      })
      .immediate();
  }

  /**
   * Coarse progress. False when the job is no longer this backend's to run:
   * paused or cancelled from elsewhere, or its lease lost (we froze past it).
   */
  saveProgress(jobId: number, progress: number): boolean {
    return (
      this.db
        .prepare(
          "UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
        )
        .run(progress, jobId, this.owner.id).changes > 0
    );
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

  /** An interrupted run of ours that should run again later (shutdown, or the whole queue paused). */
  release(jobId: number): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, progress = 0
         WHERE id = ? AND state = 'running' AND lease_owner = ?`,
      )
      .run(jobId, this.owner.id);
    this.changed(jobId);
  }

  private finish(jobId: number, state: JobState, error: string | null): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = ?, error = ?, finished_at = ?, lease_owner = NULL,
           lease_expires_at = NULL,
           progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END WHERE id = ?`,
      )
      .run(state, error, Date.now(), state, jobId);
  }

  /** Queued, running and paused jobs that name this model. */
  unfinishedJobsUsing(modelId: string): number[] {
    return this.db
      .prepare<[string], { id: number }>(
        `SELECT id FROM jobs WHERE state IN ${activeStates}
           AND json_extract(settings, '$.modelId') = ? ORDER BY id`,
      )
      .all(modelId)
      .map((row) => row.id);
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

  /** Failed or cancelled jobs, and running ones whose process is gone, go back to the queue. */
  retry(selection: JobSelection): number {
    const stale = this.requeueInterrupted(selection.ids).length;
    const ids = this.idsOr(selection, "('failed')");
    return stale + this.transition(ids, ['failed', 'cancelled'], 'queued');
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
      `UPDATE jobs SET state = ?, error = NULL, lease_owner = NULL, lease_expires_at = NULL,
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
   * its output path before writing): watchers must never feed on those.
   */
  isOwnOutput(file: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM versions WHERE path = ?').get(file) !== undefined ||
      this.db.prepare('SELECT 1 FROM jobs WHERE output = ? AND output_claimed = 1').get(file) !==
        undefined
    );
  }

  /** Whether `file` is recorded as the output of a job other than `jobId`. */
  isOutputOfAnotherJob(file: string, jobId: number): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM versions WHERE path = ? AND job_id IS NOT ?')
        .get(file, jobId) !== undefined
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
