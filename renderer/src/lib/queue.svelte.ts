/**
 * The job queue as the UI sees it: recent jobs kept current by `job` events,
 * per-job tile progress from `jobProgress` events (never parsed from text),
 * and the batch totals with an ETA.
 */
import type { Job, ServiceEvent, YonosApi } from '../../../main/shared/contract.js';
import { listAllJobs, meanJobDurationMs } from './jobs.js';

export interface TileProgress {
  progress: number;
  tilesDone: number;
  tilesTotal: number;
  etaMs: number | null;
}

const shownJobs = 500;
const activeStates = new Set(['queued', 'running', 'paused']);

export class QueueStore {
  jobs = $state<Job[]>([]);
  tiles = $state<Record<number, TileProgress>>({});
  paused = $state(false);
  loaded = $state(false);

  constructor(private readonly api: YonosApi) {}

  async load(): Promise<void> {
    const [status, jobs] = await Promise.all([this.api.jobsStatus(), this.#recentJobs()]);
    this.paused = status.paused;
    this.jobs = jobs;
    this.loaded = true;
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
    }
    if (event.type === 'jobProgress') {
      const { progress, tilesDone, tilesTotal, etaMs } = event;
      this.tiles[event.jobId] = { progress, tilesDone, tilesTotal, etaMs };
    }
  }

  /** 0..1: a running job's tiles, else 1 for finished work and 0 for waiting work. */
  progressOf(job: Job): number {
    if (job.state === 'done' || job.state === 'skipped') return 1;
    return this.tiles[job.id]?.progress ?? job.progress;
  }

  get active(): Job[] {
    return this.jobs.filter((job) => activeStates.has(job.state));
  }

  /** Jobs still to do or done in the current run of work (cancelled ones don't count). */
  get batch(): { done: number; total: number; progress: number; etaMs: number | null } {
    const counted = this.jobs.filter((job) => job.state !== 'cancelled');
    const active = counted.filter((job) => activeStates.has(job.state));
    if (active.length === 0) return { done: 0, total: 0, progress: 1, etaMs: null };
    // The batch is the active jobs plus those finished since the oldest active one was queued.
    const since = Math.min(...active.map((job) => job.createdAt));
    const batch = counted.filter((job) => job.createdAt >= since);
    const sum = batch.reduce((total, job) => total + this.progressOf(job), 0);
    const finished = batch.filter((job) => !activeStates.has(job.state));
    const running = active.filter((job) => job.state === 'running');
    const runningEta = running.reduce((total, job) => total + (this.tiles[job.id]?.etaMs ?? 0), 0);
    const waiting = active.filter((job) => job.state !== 'running').length;
    const perJob = meanJobDurationMs(finished);
    const etaMs =
      perJob === null
        ? running.some((job) => this.tiles[job.id]?.etaMs != null)
          ? runningEta
          : null
        : runningEta + waiting * perJob;
    return {
      done: finished.length,
      total: batch.length,
      progress: sum / batch.length,
      etaMs,
    };
  }
}
