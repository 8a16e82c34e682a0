/** The cluster part of `yonos jobs status`: read from Redis when `--cluster` names it. */
import { ClusterConnection } from '../cluster/cluster-connection.js';
import { readClusterStatus } from '../cluster/status.js';
import type { YonosApp } from '../app/app.js';
import { clusterSummary, missingModelNotice, workerLabel } from '../../common/cluster-summary.js';
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

/** The cluster's lines under `yonos jobs status`: the app's words, each worker named by its id. */
export function describeClusterStatus(cluster: ClusterStatus): string[] {
  return [
    `Cluster ${cluster.address}: ${clusterSummary(cluster)}`,
    ...cluster.workers.map((worker) => `  ${workerLabel(worker, worker.id)}`),
    ...cluster.missingModels.map((model) => `  ${missingModelNotice(model)}`),
  ];
}
