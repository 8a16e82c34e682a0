/**
 * Studio scale when things go wrong, with real processes: a worker killed
 * with SIGKILL mid-job, Redis restarted mid-batch, the coordinator killed and
 * started again. Each time every output must appear exactly once, complete,
 * byte-identical to the single-machine result, with no partial files. A job
 * cancelled while a worker runs it stops there and leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import { runYonos, type CliProcess } from '../support/cli.js';
import {
  expectLandedOnce,
  filesIn,
  landedBy,
  photoFolder,
  sameFiles,
  singleMachineResult,
  startCoordinator,
  startWorker,
  upscaleOnCluster,
  type TestWorker,
} from '../support/cluster.js';
import { readJobs } from '../support/job-rows.js';
import { startRedis } from '../support/redis.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

/** Small tiles make each job take a few seconds, long enough to interrupt it part-way. */
const jobArgs = ['--scale', '2', '--tile', '16'];
const runnerArgs = ['--models', fixtureModelsDir, '--threads', '1'];
const engineArgs = [...jobArgs, ...runnerArgs];

/** A safety net only: a batch of 30 takes about 90 s on an idle 2-core machine, more under load. */
const faultTestTimeoutMs = 300_000;

/** The 30 photos per batch, each big enough (several tiles) to be caught part-way. */
const batchSize = 30;
const photoSize = { width: 240, height: 180 };

/** A batch and its single-machine result. */
async function batch(): Promise<{ input: string; expected: string }> {
  const input = await photoFolder(batchSize, photoSize);
  return { input, expected: await singleMachineResult(input, engineArgs) };
}

/** `yonos jobs add` of a folder, into fresh output and data folders. */
async function queueFolder(input: string): Promise<{ out: string; dataDir: string }> {
  const out = await tempDir('yonos-out-');
  const dataDir = await tempDir('yonos-data-');
  const added = await runYonos([
    'jobs',
    'add',
    input,
    '--out',
    out,
    '--data-dir',
    dataDir,
    ...jobArgs,
  ]);
  expect(added.code, added.stderr).toBe(0);
  return { out, dataDir };
}

/** `yonos jobs run --cluster`: the queue's jobs, sent to the cluster's workers. */
function runQueueOnCluster(dataDir: string, clusterUrl: string): Promise<CliProcess> {
  return startCoordinator([
    'jobs',
    'run',
    '--data-dir',
    dataDir,
    '--cluster',
    clusterUrl,
    ...runnerArgs,
  ]);
}

/**
 * The middle of a batch, as the coordinator records it: a job done and a job out in the
 * cluster. Read from the library, not timed, so fast and slow machines both get there.
 */
function midBatch(dataDir: string): Promise<{ id: number }> {
  return waitFor(
    () => {
      try {
        const jobs = readJobs(dataDir);
        return jobs.some((job) => job.state === 'done')
          ? jobs.find((job) => job.state === 'running')
          : undefined;
      } catch {
        return undefined; // the library is still being created
      }
    },
    'a batch with a job done and a job running',
    90_000,
  );
}

/** Job ids a worker said it started and has not finished. */
function unfinishedBy(worker: TestWorker): number[] {
  const finished = new Set(
    worker
      .events()
      .filter((event) => event.type === 'done' || event.type === 'failed')
      .map((event) => Number(event.jobId)),
  );
  return worker
    .events()
    .filter((event) => event.type === 'started' && !finished.has(Number(event.jobId)))
    .map((event) => Number(event.jobId));
}

describe('cluster faults', { timeout: faultTestTimeoutMs }, () => {
  it('gives the job of a worker killed mid-job to another worker', async () => {
    const redis = await startRedis();
    const { input, expected } = await batch();
    const doomed = await startWorker(redis.url);
    const { out, coordinator } = await upscaleOnCluster(input, redis.url, engineArgs);

    // Killed as soon as it says it started a job: a job takes far longer than the 50 ms poll.
    await waitFor(() => unfinishedBy(doomed).length > 0, 'the worker to start a job', 90_000);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const interrupted = unfinishedBy(doomed);
    expect(interrupted).toHaveLength(1);
    const survivor = await startWorker(redis.url);

    const done = await coordinator.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await sameFiles(expected, out)).toBe(true);
    expect(landedBy(survivor)).toEqual(expect.arrayContaining(interrupted));
    expectLandedOnce([doomed, survivor], batchSize);
  });

  it('finishes the batch when Redis restarts in the middle of it', async () => {
    const redis = await startRedis();
    const { input, expected } = await batch();
    const workers = [await startWorker(redis.url), await startWorker(redis.url)];
    const { out, dataDir, coordinator } = await upscaleOnCluster(input, redis.url, engineArgs);

    await midBatch(dataDir);
    await redis.restart();

    const done = await coordinator.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await sameFiles(expected, out)).toBe(true);
    expectLandedOnce(workers, batchSize);
  });

  it('re-attaches a restarted coordinator to the jobs out in the cluster', async () => {
    const redis = await startRedis();
    const { input, expected } = await batch();
    const workers = [await startWorker(redis.url), await startWorker(redis.url)];
    const { out, dataDir } = await queueFolder(input);

    const first = await runQueueOnCluster(dataDir, redis.url);
    const inFlight = await midBatch(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await runQueueOnCluster(dataDir, redis.url);

    const done = await second.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await sameFiles(expected, out)).toBe(true);
    const jobs = readJobs(dataDir);
    expect(jobs.every((job) => job.state === 'done')).toBe(true);
    // Taken over where it was, not sent a second time.
    expect(jobs.find((job) => job.id === inFlight.id)?.attempts).toBe(1);
    expectLandedOnce(workers, batchSize);
  });

  it('stops a job cancelled while a worker runs it, leaving no output', async () => {
    const redis = await startRedis();
    // A larger photo, so the cancel reaches the worker well before the job ends.
    const input = await photoFolder(1, { width: 960, height: 720 });
    const worker = await startWorker(redis.url);
    const { out, dataDir } = await queueFolder(input);
    const coordinator = await runQueueOnCluster(dataDir, redis.url);

    const started = await waitFor(
      () => worker.events().find((event) => event.type === 'started'),
      'the worker to start the job',
      90_000,
    );
    const jobId = Number(started.jobId);
    const cancelled = await runYonos(['jobs', 'cancel', String(jobId), '--data-dir', dataDir]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain('cancel: 1 changed');

    // The worker stops it part-way and lands nothing; the coordinator finds nothing left to do.
    const stopped = await waitFor(
      () => worker.events().find((event) => event.type === 'done' && event.jobId === jobId),
      'the worker to stop the cancelled job',
      60_000,
    );
    expect(stopped.landed).toBe(false);
    const done = await coordinator.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(readJobs(dataDir).map((job) => job.state)).toEqual(['cancelled']);
    expect(await filesIn(out)).toEqual([]);
    expect(worker.events().filter((event) => event.type === 'failed')).toEqual([]);
  });
});
