/**
 * Follows one batch of jobs to its end: how many are done, failed or still to
 * do, and how far along it is. The desktop app quits after a file-manager
 * batch once this says the batch is over.
 */
import type { JobQueue } from '../jobs/queue.js';
import type { Job, JobState, YonosEvents } from '../../common/contract.js';

export interface BatchProgress {
  batchId: number;
  total: number;
  /** Upscaled, or skipped because the output already existed. */
  done: number;
  failed: number;
  cancelled: number;
  /** 0..1: finished jobs count whole, running ones by their tiles. */
  fraction: number;
  /** Every job is done, skipped, failed or cancelled. */
  finished: boolean;
}

export interface BatchTracking {
  progress(): BatchProgress;
  /** Resolves once the batch is finished; the tracking stops then. */
  readonly finished: Promise<BatchProgress>;
  stop(): void;
}

const finishedStates = new Set<JobState>(['done', 'skipped', 'failed', 'cancelled']);
const pageSize = 1000;

export function trackBatch(
  events: YonosEvents,
  queue: Pick<JobQueue, 'list'>,
  batchId: number,
  onProgress?: (progress: BatchProgress) => void,
): BatchTracking {
  const jobs = new Map<number, Job>();
  /** Tile progress of running jobs, from `jobProgress` events. */
  const tiles = new Map<number, number>();
  let resolveFinished: (progress: BatchProgress) => void = () => undefined;
  const finished = new Promise<BatchProgress>((resolve) => (resolveFinished = resolve));

  const progress = (): BatchProgress => summarize(batchId, [...jobs.values()], tiles);
  const update = (): void => {
    const current = progress();
    onProgress?.(current);
    if (!current.finished) return;
    stop();
    resolveFinished(current);
  };

  const stop = events.subscribe((event) => {
    if (event.type === 'job' && event.job.batchId === batchId) {
      jobs.set(event.job.id, event.job);
      if (event.job.state !== 'running') tiles.delete(event.job.id);
      update();
    } else if (event.type === 'jobProgress' && jobs.has(event.jobId)) {
      tiles.set(event.jobId, event.progress);
      update();
    }
  });
  for (const job of listBatch(queue, batchId)) jobs.set(job.id, job);
  update();
  return { progress, finished, stop };
}

function listBatch(queue: Pick<JobQueue, 'list'>, batchId: number): Job[] {
  const all: Job[] = [];
  for (;;) {
    const page = queue.list({ batchId, afterId: all.at(-1)?.id ?? 0, limit: pageSize });
    all.push(...page);
    if (page.length < pageSize) return all;
  }
}

function summarize(batchId: number, jobs: Job[], tiles: Map<number, number>): BatchProgress {
  const count = (...states: JobState[]): number =>
    jobs.filter((job) => states.includes(job.state)).length;
  const finishedJobs = jobs.filter((job) => finishedStates.has(job.state)).length;
  const running = jobs
    .filter((job) => job.state === 'running')
    .reduce((sum, job) => sum + (tiles.get(job.id) ?? job.progress), 0);
  return {
    batchId,
    total: jobs.length,
    done: count('done', 'skipped'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    fraction: jobs.length === 0 ? 1 : (finishedJobs + running) / jobs.length,
    finished: finishedJobs === jobs.length,
  };
}
