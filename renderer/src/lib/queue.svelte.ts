/**
 * The job queue as the UI sees it: recent jobs kept current by `job` events,
 * per-job tile progress from `jobProgress` events (never parsed from text),
 * each job's output size and time estimate, and the batch totals with an ETA
 * that counts the waiting jobs too.
 */
import type { Job, ServiceEvent, YonosApi } from '$common/contract';
import { JobDetails } from './job-details.svelte.js';
import { activeStates, listAllJobs, remainingMs } from './jobs.js';

export interface TileProgress {
  progress: number;
  tilesDone: number;
  tilesTotal: number;
  etaMs: number | null;
}

export interface BatchTotals {
  done: number;
  total: number;
  progress: number;
  etaMs: number | null;
  /** The photo being upscaled now. */
  current: Job | null;
}

const shownJobs = 500;

export class QueueStore {
  jobs = $state<Job[]>([]);
  tiles = $state<Record<number, TileProgress>>({});
  paused = $state(false);
  loaded = $state(false);
  /** Jobs finished before this were cleared from the view (they stay in the database). */
  clearedBefore = $state<number | null>(null);
  readonly details: JobDetails;

  constructor(private readonly api: YonosApi) {
    this.details = new JobDetails(api, () => this.jobs.map((job) => job.id));
  }

  async load(): Promise<void> {
    const [status, jobs, clearedBefore] = await Promise.all([
      this.api.jobsStatus(),
      this.#recentJobs(),
      this.api.jobsClearedBefore(),
    ]);
    this.paused = status.paused;
    this.jobs = jobs;
    this.clearedBefore = clearedBefore;
    this.loaded = true;
    await this.details.refresh();
  }

  /** The newest jobs, newest first. */
  async #recentJobs(): Promise<Job[]> {
    return (await listAllJobs(this.api)).slice(-shownJobs).reverse();
  }

  handle(event: ServiceEvent): void {
    if (event.type === 'queue') this.paused = event.paused;
    if (event.type === 'job') {
      const index = this.jobs.findIndex((job) => job.id === event.job.id);
      if (index === -1) this.jobs = [event.job, ...this.jobs].slice(0, shownJobs);
      else this.jobs[index] = event.job;
      if (event.job.state !== 'running') {
        this.tiles = Object.fromEntries(
          Object.entries(this.tiles).filter(([id]) => Number(id) !== event.job.id),
        );
      }
      this.details.refreshSoon();
    }
    if (event.type === 'jobProgress') {
      const { progress, tilesDone, tilesTotal, etaMs } = event;
      this.tiles[event.jobId] = { progress, tilesDone, tilesTotal, etaMs };
      this.details.onTile();
    }
  }

  async clearFinished(): Promise<number> {
    const { changed, clearedBefore } = await this.api.jobsClearFinished();
    this.clearedBefore = clearedBefore;
    return changed;
  }

  /** 0..1: a running job's tiles, else 1 for finished work and 0 for waiting work. */
  progressOf(job: Job): number {
    if (job.state === 'done' || job.state === 'skipped') return 1;
    return this.tiles[job.id]?.progress ?? job.progress;
  }

  get active(): Job[] {
    return this.jobs.filter((job) => activeStates.has(job.state));
  }

  /** Running first, then waiting in the order they will run, then finished ones, newest first. */
  get shown(): Job[] {
    const cleared = this.clearedBefore;
    const visible = this.jobs.filter(
      (job) =>
        activeStates.has(job.state) ||
        cleared === null ||
        job.finishedAt === null ||
        job.finishedAt > cleared,
    );
    return visible.sort(byDisplayOrder);
  }

  get hasFinished(): boolean {
    return this.shown.some((job) => !activeStates.has(job.state));
  }

  /** Jobs still to do or done in the current run of work (cancelled ones don't count). */
  get batch(): BatchTotals {
    const counted = this.jobs.filter((job) => job.state !== 'cancelled');
    const active = counted.filter((job) => activeStates.has(job.state));
    const current = active.find((job) => job.state === 'running') ?? null;
    if (active.length === 0) return { done: 0, total: 0, progress: 1, etaMs: null, current };
    // The batch is the active jobs plus those finished since the oldest active one was queued.
    const since = Math.min(...active.map((job) => job.createdAt));
    const batch = counted.filter((job) => job.createdAt >= since);
    const sum = batch.reduce((total, job) => total + this.progressOf(job), 0);
    return {
      done: batch.length - active.length,
      total: batch.length,
      progress: sum / batch.length,
      etaMs: remainingMs(active, this.tiles, this.details.byId),
      current,
    };
  }
}

const stateRank: Record<Job['state'], number> = {
  running: 0,
  queued: 1,
  paused: 1,
  done: 2,
  failed: 2,
  cancelled: 2,
  skipped: 2,
};

function byDisplayOrder(a: Job, b: Job): number {
  const rank = stateRank[a.state] - stateRank[b.state];
  if (rank !== 0) return rank;
  if (stateRank[a.state] === 1) return b.priority - a.priority || a.id - b.id;
  if (stateRank[a.state] === 2) return (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || b.id - a.id;
  return a.id - b.id;
}
