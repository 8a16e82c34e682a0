/**
 * The cluster as the Queue view and Settings show it: `jobsStatus().cluster`,
 * read again every few seconds while a view shows it (workers join and leave,
 * and their speed changes, without a job event to say so).
 */
import type { ClusterStatus, YonosApi } from '$common/contract';
import { errorMessage } from './format.js';

const refreshMs = 3000;

export class ClusterWatch {
  /** Null when this queue runs on this machine only. */
  status = $state<ClusterStatus | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly api: YonosApi) {}

  /** Reads now and every few seconds until the returned function is called. */
  watch(): () => void {
    void this.refresh();
    const timer = setInterval(() => void this.refresh(), refreshMs);
    return () => {
      clearInterval(timer);
    };
  }

  async refresh(): Promise<void> {
    try {
      this.status = (await this.api.jobsStatus()).cluster ?? null;
      this.error = null;
    } catch (failure) {
      this.error = errorMessage(failure);
    }
    this.loaded = true;
  }
}
