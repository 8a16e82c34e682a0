/** The cluster part of `yonos jobs status`: read from Redis when `--cluster` names it. */
import { ClusterConnection } from '../cluster/cluster-connection.js';
import { readClusterStatus } from '../cluster/status.js';
import type { YonosApp } from '../app/app.js';
import type { ClusterStatus, QueueStatus } from '../../common/contract.js';

export async function withClusterStatus(
  url: string | undefined,
  app: YonosApp,
  local: Promise<QueueStatus> | QueueStatus,
): Promise<QueueStatus> {
  const status = await local;
  if (url === undefined || status.cluster !== undefined) return status;
  const connection = await ClusterConnection.open(url);
  try {
    return { ...status, cluster: await readClusterStatus(connection, app.db, []) };
  } finally {
    await connection.close();
  }
}

export function describeClusterStatus(cluster: ClusterStatus): string[] {
  const speed = (mps: number | null): string =>
    mps === null ? 'speed not measured yet' : `${mps.toFixed(2)} MP/s`;
  const eta =
    cluster.etaMs === null
      ? 'time left unknown'
      : cluster.etaMs === 0
        ? 'nothing left'
        : `about ${Math.ceil(cluster.etaMs / 60_000).toString()} min left`;
  return [
    `Cluster ${cluster.address}: ${String(cluster.workers.length)} worker(s), ${String(cluster.queueDepth)} job(s) waiting, ${speed(cluster.megapixelsPerSecond)}, ${eta}.`,
    ...cluster.workers.map(
      (worker) =>
        `  ${worker.id}  ${worker.device}  ${String(worker.running)}/${String(worker.concurrency)} running  ${String(worker.jobsDone)} done  ${speed(worker.megapixelsPerSecond)}`,
    ),
    ...cluster.missingModels.map((model) => `  no live worker has ${model}`),
  ];
}
