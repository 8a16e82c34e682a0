/**
 * Studio scale when things go wrong, with real processes: a worker killed
 * with SIGKILL mid-job, Redis restarted mid-batch, the coordinator killed and
 * started again. Each time every output must appear exactly once, complete,
 * byte-identical to the single-machine result, with no partial files. A job
 * cancelled while a worker runs it stops there and leaves nothing behind.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runYonos, startYonos, type CliProcess } from '../support/cli.js';
import {
  filesIn,
  landedBy,
  readJobs,
  sameFiles,
  startWorker,
  type TestWorker,
} from '../support/cluster.js';
import { writePhoto } from '../support/images.js';
import { startRedis } from '../support/redis.js';
import { fixtureModelsDir, onCleanup, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

/** Small tiles make each job take a few seconds, long enough to interrupt it part-way. */
const engineArgs = ['--scale', '2', '--tile', '16', '--models', fixtureModelsDir, '--threads', '1'];

/** The 30 photos per batch, each big enough (several tiles) to be caught part-way. */
const batchSize = 30;

async function photos(count: number, size = { width: 240, height: 180 }): Promise<string> {
  const dir = await tempDir('yonos-photos-');
  for (let seed = 0; seed < count; seed++) {
    await writePhoto(path.join(dir, `photo-${String(seed)}.jpg`), {
      ...size,
      seed: seed + 1,
    });
  }
  return dir;
}

async function reference(input: string): Promise<string> {
  const out = await tempDir('yonos-reference-');
  const run = await runYonos([
    'upscale',
    input,
    '--out',
    out,
    '--data-dir',
    await tempDir('yonos-data-'),
    ...engineArgs,
  ]);
  expect(run.code, run.stderr).toBe(0);
  return out;
}

async function coordinate(args: string[]): Promise<CliProcess> {
  const run = await startYonos(args);
  onCleanup(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await run.exited;
  });
  return run;
}

/** `yonos upscale --cluster` of a folder, into fresh output and data folders. */
async function upscaleOnCluster(
  input: string,
  clusterUrl: string,
): Promise<{ out: string; dataDir: string; coordinator: CliProcess }> {
  const out = await tempDir('yonos-out-');
  const dataDir = await tempDir('yonos-data-');
  const coordinator = await coordinate([
    'upscale',
    input,
    '--out',
    out,
    '--data-dir',
    dataDir,
    '--cluster',
    clusterUrl,
    ...engineArgs,
  ]);
  return { out, dataDir, coordinator };
}

/** A job the coordinator records as part-way through. */
function partWay(dataDir: string): Promise<{ id: number }> {
  return waitFor(
    () => {
      try {
        return readJobs(dataDir).find((job) => job.state === 'running' && job.progress > 0);
      } catch {
        return undefined; // the library is still being created
      }
    },
    'a job part-way through',
    90_000,
  );
}

function landedOnce(workers: TestWorker[], count: number): void {
  const landed = workers.flatMap(landedBy).sort((a, b) => a - b);
  expect(landed).toEqual(Array.from({ length: count }, (_, index) => index + 1));
}

describe('cluster faults', () => {
  it('gives the job of a worker killed mid-job to another worker', async () => {
    const redis = await startRedis();
    const input = await photos(batchSize);
    const expected = await reference(input);
    const doomed = await startWorker(redis.url);
    const { out, dataDir, coordinator } = await upscaleOnCluster(input, redis.url);

    const interrupted = await partWay(dataDir);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const survivor = await startWorker(redis.url);

    const done = await coordinator.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await sameFiles(expected, out)).toBe(true);
    expect(landedBy(survivor)).toContain(interrupted.id);
    landedOnce([doomed, survivor], batchSize);
  });

  it('finishes the batch when Redis restarts in the middle of it', async () => {
    const redis = await startRedis();
    const input = await photos(batchSize);
    const expected = await reference(input);
    const workers = [await startWorker(redis.url), await startWorker(redis.url)];
    const { out, dataDir, coordinator } = await upscaleOnCluster(input, redis.url);

    await partWay(dataDir);
    await redis.restart();

    const done = await coordinator.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await sameFiles(expected, out)).toBe(true);
    landedOnce(workers, batchSize);
  });

  it('re-attaches a restarted coordinator to the jobs out in the cluster', async () => {
    const redis = await startRedis();
    const input = await photos(batchSize);
    const expected = await reference(input);
    const workers = [await startWorker(redis.url), await startWorker(redis.url)];
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
      '--scale',
      '2',
      '--tile',
      '16',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const run = [
      'jobs',
      'run',
      '--data-dir',
      dataDir,
      '--cluster',
      redis.url,
      ...engineArgs.slice(4),
    ];

    const first = await coordinate(run);
    const inFlight = await partWay(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await coordinate(run);

    const done = await second.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await sameFiles(expected, out)).toBe(true);
    const jobs = readJobs(dataDir);
    expect(jobs.every((job) => job.state === 'done')).toBe(true);
    // Taken over where it was, not sent a second time.
    expect(jobs.find((job) => job.id === inFlight.id)?.attempts).toBe(1);
    landedOnce(workers, batchSize);
  });

  it('stops a job cancelled while a worker runs it, leaving no output', async () => {
    const redis = await startRedis();
    // A larger photo, so the cancel reaches the worker well before the job ends.
    const input = await photos(1, { width: 960, height: 720 });
    const worker = await startWorker(redis.url);
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
      ...engineArgs.slice(0, 4),
    ]);
    expect(added.code, added.stderr).toBe(0);
    const coordinator = await coordinate([
      'jobs',
      'run',
      '--data-dir',
      dataDir,
      '--cluster',
      redis.url,
      ...engineArgs.slice(4),
    ]);

    const running = await partWay(dataDir);
    const cancelled = await runYonos(['jobs', 'cancel', String(running.id), '--data-dir', dataDir]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain('cancel: 1 changed');

    // The worker stops it part-way and lands nothing; the coordinator finds nothing left to do.
    const stopped = await waitFor(
      () => worker.events().find((event) => event.type === 'done' && event.jobId === running.id),
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
