/**
 * The cluster as the Queue view and Settings show it: `jobsStatus().cluster`,
 * read again every few seconds while a view shows it (workers join and leave,
 * and their speed changes, without a job event to say so).
 */
import type { ClusterStatus, ClusterWorker, YonosApi } from '$common/contract';
import { errorMessage, formatEta } from './format.js';

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

export function speedLabel(megapixelsPerSecond: number | null): string {
  return megapixelsPerSecond === null
    ? 'speed not measured yet'
    : `${megapixelsPerSecond.toFixed(2)} MP/s`;
}

/** "studio-2 · cuda · 1/2 running · 14 done · 3.10 MP/s" */
export function workerLabel(worker: ClusterWorker): string {
  return [
    worker.host,
    worker.device,
    `${String(worker.running)}/${String(worker.concurrency)} running`,
    `${String(worker.jobsDone)} done`,
    speedLabel(worker.megapixelsPerSecond),
  ].join(' · ');
}

/** "3 workers · 12 jobs waiting · 9.30 MP/s · 4 min left" */
export function clusterSummary(cluster: ClusterStatus): string {
  const workers = cluster.workers.length;
  const eta =
    cluster.etaMs === null
      ? 'time left unknown'
      : cluster.etaMs === 0
        ? 'nothing left'
        : `${formatEta(cluster.etaMs)} left`;
  return [
    workers === 0 ? 'no worker connected' : `${String(workers)} worker${workers === 1 ? '' : 's'}`,
    `${String(cluster.queueDepth)} job${cluster.queueDepth === 1 ? '' : 's'} waiting`,
    speedLabel(cluster.megapixelsPerSecond),
    eta,
  ].join(' · ');
}
