/**
 * One job batch as the progress window sees it: its jobs kept current by `job`
 * events, tile progress from `jobProgress` events, and a summary whose ETA
 * counts the waiting photos at this machine's measured speed.
 */
import type { Job, ServiceEvent, YonosApi } from '$common/contract';
import { JobDetails } from './job-details.svelte.js';
import { activeStates, listAllJobs, remainingMs } from './jobs.js';

export interface BatchSummary {
  total: number;
  /** Upscaled, or skipped because the output already existed. */
  done: number;
  failed: Job[];
  cancelled: number;
  active: Job[];
  /** The photo being upscaled now. */
  current: Job | null;
  progress: number;
  etaMs: number | null;
  finished: boolean;
}

export class BatchStore {
  jobs = $state<Job[]>([]);
  tiles = $state<Record<number, { progress: number; etaMs: number | null }>>({});
  loaded = $state(false);
  readonly details: JobDetails;

  constructor(
    private readonly api: YonosApi,
    readonly batchId: number,
  ) {
    this.details = new JobDetails(api, () => this.jobs.map((job) => job.id));
  }

  async load(): Promise<void> {
    this.jobs = await listAllJobs(this.api, { batchId: this.batchId });
    this.loaded = true;
    await this.details.refresh();
  }

  handle(event: ServiceEvent): void {
    if (event.type === 'job' && event.job.batchId === this.batchId) {
      const index = this.jobs.findIndex((job) => job.id === event.job.id);
      if (index === -1) this.jobs.push(event.job);
      else this.jobs[index] = event.job;
      this.details.refreshSoon();
    } else if (event.type === 'jobProgress' && this.jobs.some((job) => job.id === event.jobId)) {
      this.tiles[event.jobId] = { progress: event.progress, etaMs: event.etaMs };
      this.details.onTile();
    }
  }

  get summary(): BatchSummary {
    const jobs = this.jobs;
    const active = jobs.filter((job) => activeStates.has(job.state));
    const current = jobs.find((job) => job.state === 'running') ?? null;
    const progressOf = (job: Job): number =>
      activeStates.has(job.state) ? (this.tiles[job.id]?.progress ?? job.progress) : 1;
    const total = jobs.length;
    return {
      total,
      done: jobs.filter((job) => job.state === 'done' || job.state === 'skipped').length,
      failed: jobs.filter((job) => job.state === 'failed'),
      cancelled: jobs.filter((job) => job.state === 'cancelled').length,
      active,
      current,
      progress: total === 0 ? 0 : jobs.reduce((sum, job) => sum + progressOf(job), 0) / total,
      etaMs: remainingMs(active, this.tiles, this.details.byId),
      finished: this.loaded && active.length === 0,
    };
  }
}
