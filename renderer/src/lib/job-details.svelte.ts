/**
 * Output size, enhanced version and time estimate of the jobs a view shows,
 * fetched in one call and refreshed after bursts of job events settle (and,
 * while the speed is still extrapolated from the first running job, as it goes).
 */
import type { JobDetail, Speed, YonosApi } from '$common/contract';

const settleMs = 300;
const runningSpeedRefreshMs = 3000;

export class JobDetails {
  byId = $state<Record<number, JobDetail>>({});
  speed = $state<Speed>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastFetch = 0;

  constructor(
    private readonly api: YonosApi,
    private readonly ids: () => number[],
  ) {}

  /** Fetches again once events stop arriving for a moment. */
  refreshSoon(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), settleMs);
  }

  /** After a tile: only worth asking while the speed comes from the running job. */
  onTile(): void {
    if (this.speed?.basis === 'running' || this.speed === null) {
      if (Date.now() - this.#lastFetch >= runningSpeedRefreshMs) this.refreshSoon();
    }
  }

  async refresh(): Promise<void> {
    this.#lastFetch = Date.now();
    const ids = this.ids();
    if (ids.length === 0) return;
    const answer = await this.api.jobsDetails({ ids });
    this.speed = answer.speed;
    this.byId = { ...this.byId, ...Object.fromEntries(answer.jobs.map((job) => [job.id, job])) };
  }
}
