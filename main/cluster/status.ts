/**
 * A cluster at a glance: the live workers and their speed, how many jobs wait,
 * and when the queue should be done. Read from Redis (the workers' records,
 * the model queues) and the library (what is left to do); the coordinator and
 * `yonos jobs status --cluster` show the same thing.
 */
import { remainingWork } from '../jobs/job-rows.js';
import type { Db } from '../library/db.js';
import type { ClusterStatus, ClusterWorker } from '../../common/contract.js';
import type { ClusterConnection } from './cluster-connection.js';
import { describeModel, queueNameFor, type ModelIdentity, type WorkerRecord } from './protocol.js';

export async function readClusterStatus(
  connection: ClusterConnection,
  db: Db,
  /** Models of jobs out in the cluster now. */
  wanted: readonly ModelIdentity[],
): Promise<ClusterStatus> {
  const records = await connection.liveWorkers();
  const workers = records.map(describeWorker);
  const speeds = workers.flatMap((worker) => worker.megapixelsPerSecond ?? []);
  const megapixelsPerSecond = speeds.length === 0 ? null : speeds.reduce((a, b) => a + b, 0);
  const served = new Set(records.flatMap((record) => record.models.map(queueNameFor)));
  const models = uniqueModels([...wanted, ...records.flatMap((record) => record.models)]);
  let waitingInCluster = 0;
  for (const model of models) {
    waitingInCluster += await connection
      .queue(model)
      .getJobCountByTypes('wait', 'prioritized', 'delayed');
  }
  const left = remainingWork(db);
  return {
    address: connection.address.display,
    workers,
    queueDepth: left.queued + waitingInCluster,
    megapixelsPerSecond,
    etaMs:
      megapixelsPerSecond === null || megapixelsPerSecond === 0
        ? null
        : (left.megapixels / megapixelsPerSecond) * 1000,
    missingModels: uniqueModels(wanted)
      .filter((model) => !served.has(queueNameFor(model)))
      .map(describeModel),
  };
}

function describeWorker(record: WorkerRecord): ClusterWorker {
  return {
    id: record.id,
    host: record.host,
    device: record.device,
    concurrency: record.concurrency,
    running: record.running,
    jobsDone: record.jobsDone,
    models: record.models.map(describeModel),
    megapixelsPerSecond:
      record.busyMs > 0 && record.outputMegapixels > 0
        ? record.outputMegapixels / (record.busyMs / 1000)
        : null,
  };
}

function uniqueModels(models: readonly ModelIdentity[]): ModelIdentity[] {
  return [...new Map(models.map((model) => [queueNameFor(model), model])).values()];
}
