/** Job rows as stored, and the read-only queries over them. */
import type { Db } from '../library/db.js';
import type {
  Batch,
  Job,
  JobCounts,
  JobState,
  JobsQuery,
  UpscaleDevice,
} from '../../common/contract.js';
import { jobSchema, jobSettingsSchema, jobStateSchema } from '../../common/contract.js';
import { NotFoundError } from '../../common/errors.js';

export interface JobRow {
  id: number;
  batch_id: number;
  photo_id: number | null;
  input: string;
  settings: string;
  output: string;
  output_claimed: number;
  device: UpscaleDevice;
  priority: number;
  state: JobState;
  progress: number;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  work_key: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** A job as the runner sees it: the contract's view plus whether its output path is fixed. */
export interface QueuedJob extends Job {
  outputClaimed: boolean;
}

export function readJob(db: Db, jobId: number): QueuedJob {
  const row = db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?').get(jobId);
  if (row === undefined) throw new NotFoundError(`Job ${jobId}`);
  return toJob(row);
}

export function listJobs(db: Db, query: JobsQuery): Job[] {
  const where = ['id > ?'];
  const params: (string | number)[] = [query.afterId ?? 0];
  if (query.state !== undefined) {
    where.push('state = ?');
    params.push(query.state);
  }
  if (query.batchId !== undefined) {
    where.push('batch_id = ?');
    params.push(query.batchId);
  }
  params.push(query.limit ?? 100);
  return db
    .prepare<unknown[], JobRow>(
      `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
    )
    .all(...params)
    .map((row) => publicJob(toJob(row)));
}

export function listBatches(db: Db): Batch[] {
  const batches = db
    .prepare<
      [],
      { id: number; label: string; priority: number; watch_id: number | null; created_at: number }
    >('SELECT * FROM batches ORDER BY id DESC LIMIT 200')
    .all();
  return batches.map((batch) => ({
    id: batch.id,
    label: batch.label,
    priority: batch.priority,
    watchId: batch.watch_id,
    createdAt: batch.created_at,
    counts: countJobs(db, batch.id),
  }));
}

export function countJobs(db: Db, batchId?: number): JobCounts {
  const counts = Object.fromEntries(jobStateSchema.options.map((state) => [state, 0])) as JobCounts;
  const rows = db
    .prepare<unknown[], { state: JobState; n: number }>(
      `SELECT state, count(*) AS n FROM jobs ${batchId === undefined ? '' : 'WHERE batch_id = ?'} GROUP BY state`,
    )
    .all(...(batchId === undefined ? [] : [batchId]));
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

export function toJob(row: JobRow): QueuedJob {
  return {
    id: row.id,
    batchId: row.batch_id,
    photoId: row.photo_id,
    input: row.input,
    output: row.output,
    outputClaimed: row.output_claimed === 1,
    settings: jobSettingsSchema.parse(JSON.parse(row.settings)),
    device: row.device,
    priority: row.priority,
    state: row.state,
    progress: row.progress,
    attempts: row.attempts,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function publicJob(job: QueuedJob): Job {
  return jobSchema.parse(job);
}

/** Queued jobs, and the output megapixels of the queued and running ones (from the photos' sizes). */
export function remainingWork(db: Db): { queued: number; megapixels: number } {
  const rows = db
    .prepare<[], { state: string; settings: string; width: number | null; height: number | null }>(
      `SELECT jobs.state, jobs.settings, photos.width, photos.height FROM jobs
       LEFT JOIN photos ON photos.id = jobs.photo_id WHERE jobs.state IN ('queued', 'running')`,
    )
    .all();
  let megapixels = 0;
  for (const row of rows) {
    const { scale } = jobSettingsSchema.parse(JSON.parse(row.settings));
    megapixels += ((row.width ?? 0) * (row.height ?? 0) * scale * scale) / 1e6;
  }
  return { queued: rows.filter((row) => row.state === 'queued').length, megapixels };
}
