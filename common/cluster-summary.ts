/**
 * The cluster in words, the same in `yonos jobs status` and in the app's Queue
 * view and Settings.
 */
import type { ClusterStatus, ClusterWorker } from './contract.js';
import { formatEta } from './format.js';

export function speedLabel(megapixelsPerSecond: number | null): string {
  return megapixelsPerSecond === null
    ? 'speed not measured yet'
    : `${megapixelsPerSecond.toFixed(2)} MP/s`;
}

/** "3 workers · 12 jobs waiting · 9.30 MP/s · about 4 min left" */
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

/**
 * "studio-2 · cuda · 1/2 running · 14 done · 3.10 MP/s". Named by its host
 * where its id is a tooltip away; a terminal names it by its id (one host may
 * run several workers).
 */
export function workerLabel(worker: ClusterWorker, name = worker.host): string {
  return [
    name,
    worker.device,
    `${String(worker.running)}/${String(worker.concurrency)} running`,
    `${String(worker.jobsDone)} done`,
    speedLabel(worker.megapixelsPerSecond),
  ].join(' · ');
}

export function missingModelNotice(model: string): string {
  return `No live worker has ${model}: its jobs wait until a worker with exactly that model joins.`;
}
