/**
 * One job batch as the progress window sees it: its jobs kept current by `job`
 * events, tile progress from `jobProgress` events, and a summary with an ETA.
 */
import type { Job, ServiceEvent, YonosApi } from '../../../main/shared/contract.js';
import { listAllJobs, meanJobDurationMs } from './jobs.js';

const activeStates = new Set<Job['state']>(['queued', 'running', 'paused']);

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

  constructor(
    private readonly api: YonosApi,
    readonly batchId: number,
  ) {}

  async load(): Promise<void> {
    this.jobs = await listAllJobs(this.api, { batchId: this.batchId });
    this.loaded = true;
  }

  handle(event: ServiceEvent): void {
    if (event.type === 'job' && event.job.batchId === this.batchId) {
      const index = this.jobs.findIndex((job) => job.id === event.job.id);
      if (index === -1) this.jobs.push(event.job);
      else this.jobs[index] = event.job;
    } else if (event.type === 'jobProgress' && this.jobs.some((job) => job.id === event.jobId)) {
      this.tiles[event.jobId] = { progress: event.progress, etaMs: event.etaMs };
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
      etaMs: this.#eta(active, current),
      finished: this.loaded && active.length === 0,
    };
  }

  /** The running photo's own ETA, plus the waiting ones at the average time per photo so far. */
  #eta(active: Job[], current: Job | null): number | null {
    const runningEta = current === null ? 0 : this.tiles[current.id]?.etaMs;
    if (runningEta === undefined || runningEta === null) return null;
    // Before the first photo is done, the running one's elapsed time plus its ETA is the guess.
    const perJob =
      meanJobDurationMs(this.jobs) ??
      (current?.startedAt == null ? null : Date.now() - current.startedAt + runningEta);
    const waiting = active.length - (current === null ? 0 : 1);
    if (waiting > 0 && perJob === null) return null;
    return runningEta + waiting * (perJob ?? 0);
  }
}
