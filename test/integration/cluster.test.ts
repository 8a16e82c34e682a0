/**
 * Studio scale with real processes: a real redis-server, `yonos worker`
 * processes and a `yonos upscale --cluster` coordinator on localhost, on
 * generated photos and the tiny fixture models. Every output must appear
 * exactly once and be byte-identical to the single-machine result.
 */
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { clusterJobDataSchema, coordinatorKey, redisPrefix } from '../../main/cluster/protocol.js';
import { parseClusterUrl } from '../../main/cluster/redis-connection.js';
import { runYonos } from '../support/cli.js';
import {
  expectLandedOnce,
  filesIn,
  landedBy,
  modelWithOtherVersion,
  photoFolder,
  sameFiles,
  singleMachineResult,
  startWorker,
  upscaleOnCluster,
} from '../support/cluster.js';
import { readJobs } from '../support/job-rows.js';
import { startRedis } from '../support/redis.js';
import { fixtureModelsDir, onCleanup } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

/** Small photos, so three workers on a loaded 2-core machine stay quick. */
const photoSize = { width: 48, height: 40 };

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('a batch spread over several workers', () => {
  it('writes every output exactly once, byte-identical to one machine', async () => {
    const redis = await startRedis();
    // 30 photos, as the issue asks.
    const input = await photoFolder(30, photoSize);
    const args = ['--scale', '2', '--models', fixtureModelsDir, '--threads', '1'];
    const expected = await singleMachineResult(input, args);
    const workers = await Promise.all([1, 2, 3].map(() => startWorker(redis.url)));

    const { out, dataDir, coordinator } = await upscaleOnCluster(input, redis.url, args);
    const run = await coordinator.exited;

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('30 upscaled, 0 skipped, 0 failed');
    expect(await sameFiles(expected, out)).toBe(true);
    expectLandedOnce(workers, 30);
    expect(readJobs(dataDir).every((job) => job.state === 'done')).toBe(true);

    // Workers publish their records on a timer, so the counts catch up a moment after the run.
    const cluster = await waitFor(async () => {
      const status = await runYonos([
        'jobs',
        'status',
        '--json',
        '--data-dir',
        dataDir,
        '--cluster',
        redis.url,
      ]);
      const reported = (JSON.parse(status.stdout) as { cluster: Record<string, unknown> }).cluster;
      const workers = reported.workers as { jobsDone: number }[];
      return workers.some((worker) => worker.jobsDone > 0) && reported;
    }, 'a worker record counting its jobs');
    expect(cluster.workers).toHaveLength(3);
    // A worker started with the default device reports the provider it resolved to, once it has run a job.
    const busy = (cluster.workers as { device: string; jobsDone: number }[]).filter(
      (worker) => worker.jobsDone > 0,
    );
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.map((worker) => worker.device)).toEqual(busy.map(() => 'cpu'));
    expect(cluster.queueDepth).toBe(0);
    expect(cluster.megapixelsPerSecond).toBeGreaterThan(0);
  });

  it('never gives a job to a worker with another version of the model, and scopes job tokens', async () => {
    const redis = await startRedis({ password: 's3cret' });
    const input = await photoFolder(3, photoSize);
    const args = [
      '--scale',
      '2',
      '--model',
      'yonos-tiny-x2',
      '--models',
      fixtureModelsDir,
      '--threads',
      '1',
    ];
    const expected = await singleMachineResult(input, args);
    const stranger = await startWorker(
      redis.url,
      await modelWithOtherVersion('yonos-tiny-x2', '0.2.0'),
    );

    const { out, coordinator } = await upscaleOnCluster(input, redis.url, args);
    // The jobs wait in the queue of the coordinator's model; the other version's worker sees none.
    const queue = new Queue(await waitingQueueName(redis.url), {
      connection: parseClusterUrl(redis.url).connection,
      prefix: redisPrefix,
    });
    onCleanup(() => queue.close());
    // The coordinator sends them one at a time; the token checks below need two.
    const waiting = await waitFor(async () => {
      const jobs = await queue.getJobs(['wait']);
      return jobs.length >= 2 && jobs;
    }, 'two jobs waiting in the cluster');
    await waitFor(
      () => coordinator.stderr().includes('no live worker has model yonos-tiny-x2 0.1.0'),
      'the coordinator to say no worker has the model',
    );

    // Token scope: a job's token opens that job's input and nothing else.
    const [first, second] = waiting.map((job) => clusterJobDataSchema.parse(job.data));
    if (first === undefined || second === undefined) throw new Error('expected two waiting jobs');
    const client = await queue.client;
    const base = (await client.get(coordinatorKey(first.coordinator))) ?? '';
    const get = (jobId: number, token?: string): Promise<Response> =>
      fetch(`${base}/cluster/v1/jobs/${String(jobId)}/input`, {
        headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      });
    const own = await get(first.jobId, first.token);
    expect(own.status).toBe(200);
    expect(sha256(Buffer.from(await own.arrayBuffer()))).toBe(first.input.sha256);
    expect((await get(second.jobId, first.token)).status).toBe(401);
    expect((await get(first.jobId)).status).toBe(401);
    const api = await fetch(`${base}/api/jobsList`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${first.token}` },
      body: '[{}]',
    });
    expect(api.status).toBe(404);
    const forged = await fetch(`${base}/cluster/v1/jobs/${String(first.jobId)}/output`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${first.token}`, 'x-yonos-sha256': '0'.repeat(64) },
      body: 'not the output',
    });
    // Not dispatched to a worker yet... or dispatched: either way nothing lands.
    expect([400, 409]).toContain(forged.status);
    expect(await filesIn(out).catch(() => [])).toEqual([]);

    const right = await startWorker(redis.url);
    const done = await coordinator.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await sameFiles(expected, out)).toBe(true);
    expect(landedBy(right).sort()).toEqual([1, 2, 3]);
    expect(stranger.events().filter((event) => event.type === 'started')).toEqual([]);
  });

  it('says in one line when the cluster cannot be reached or refuses the password', async () => {
    const redis = await startRedis({ password: 'right' });
    const wrong = redis.url.replace(':right@', ':wrong@');
    const worker = await runYonos(['worker', '--cluster', wrong, '--models', fixtureModelsDir]);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(
      /^Cannot reach the cluster at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .+\n$/,
    );
    expect(worker.stderr).not.toContain('wrong');
    const bad = await runYonos(['upscale', 'x.jpg', '--cluster', 'http://example.com']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('The cluster address must look like redis://host:6379');
  });
});

/** The one model queue that holds jobs. */
async function waitingQueueName(url: string): Promise<string> {
  const queue = new Queue('control', {
    connection: parseClusterUrl(url).connection,
    prefix: redisPrefix,
  });
  try {
    const client = await queue.client;
    return await waitFor(async () => {
      const [, keys] = await client.scan('0', {
        MATCH: `${redisPrefix}:model.*:wait`,
        COUNT: 1000,
      });
      const key = keys[0];
      return key?.slice(`${redisPrefix}:`.length, -':wait'.length);
    }, 'a model queue with waiting jobs');
  } finally {
    await queue.close();
  }
}
