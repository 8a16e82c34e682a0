/** Following one batch to its end, on the real SQLite-backed queue and event bus. */
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../main/jobs/queue.js';
import { trackBatch, type BatchProgress } from '../../main/launch/batch-tracker.js';
import type { YonosApp } from '../../main/app/app.js';
import { finishNextJob } from '../support/jobs.js';
import { tempApp } from '../support/temp.js';

function newJob(name: string): NewJob {
  return {
    photoId: null,
    input: `/photos/${name}.jpg`,
    output: `/photos/${name}_x4.jpg`,
    settings: {
      modelId: null,
      scale: 4,
      steps: null,
      tile: null,
      format: null,
      quality: null,
      template: '{name}_x{scale}',
      collision: 'skip',
      outDir: null,
      sourceRoot: null,
    },
  };
}

function addBatch(app: YonosApp, ...names: string[]): { batchId: number; jobIds: number[] } {
  return app.queue.addBatch(
    { label: 'Upscale ×4 (file manager)', priority: 0, device: 'auto' },
    names.map(newJob),
  );
}

/** Runs the next queued job to the end, as the runner would. */
function finishNext(app: YonosApp, outcome: 'done' | 'failed'): number {
  const job = finishNextJob(app, outcome);
  if (job === null) throw new Error('no queued job');
  return job.id;
}

describe('trackBatch', () => {
  it('counts and measures its own batch only, and resolves when every job is over', async () => {
    const app = await tempApp();
    const other = addBatch(app, 'other');
    const { batchId, jobIds } = addBatch(app, 'a', 'b', 'c');
    const seen: BatchProgress[] = [];
    const tracking = trackBatch(app.events, app.queue, batchId, (progress) => seen.push(progress));
    let over = false;
    void tracking.finished.then(() => (over = true));
    expect(tracking.progress()).toEqual({
      batchId,
      total: 3,
      done: 0,
      failed: 0,
      cancelled: 0,
      fraction: 0,
      finished: false,
    });

    // The other batch's job runs first (same priority, older): not ours.
    finishNext(app, 'done');
    expect(app.queue.get(other.jobIds[0] ?? 0).state).toBe('done');
    expect(tracking.progress().done).toBe(0);

    const running = app.queue.claimNext('cpu');
    expect(running?.id).toBe(jobIds[0]);
    app.events.emit({
      type: 'jobProgress',
      jobId: jobIds[0] ?? 0,
      progress: 0.5,
      tilesDone: 2,
      tilesTotal: 4,
      etaMs: 100,
    });
    expect(tracking.progress().fraction).toBeCloseTo(0.5 / 3);
    app.queue.complete(jobIds[0] ?? 0, {
      path: '/photos/a_x4.jpg',
      modelId: 'yonos-tiny-x4',
      width: 4,
      height: 4,
      format: 'jpeg',
    });
    expect(tracking.progress()).toMatchObject({ done: 1, fraction: 1 / 3 });

    finishNext(app, 'failed');
    app.queue.pause({ ids: [jobIds[2] ?? 0] });
    await Promise.resolve();
    expect(over).toBe(false); // a paused job is not over

    app.queue.cancel({ ids: [jobIds[2] ?? 0] });
    const final = await tracking.finished;
    expect(final).toEqual({
      batchId,
      total: 3,
      done: 1,
      failed: 1,
      cancelled: 1,
      fraction: 1,
      finished: true,
    });
    expect(seen.at(-1)).toEqual(final);

    // Tracking stopped with the end: later events change nothing.
    const count = seen.length;
    app.queue.retry({ ids: [jobIds[1] ?? 0] });
    expect(seen).toHaveLength(count);
  });

  it('is over at once for a batch whose jobs are already finished, or that has none', async () => {
    const app = await tempApp();
    const { batchId } = addBatch(app, 'a');
    finishNext(app, 'done');
    await expect(trackBatch(app.events, app.queue, batchId).finished).resolves.toMatchObject({
      total: 1,
      done: 1,
      finished: true,
    });
    const empty = addBatch(app);
    await expect(trackBatch(app.events, app.queue, empty.batchId).finished).resolves.toMatchObject({
      total: 0,
      fraction: 1,
      finished: true,
    });
  });

  it('reads batches larger than one page of the queue', async () => {
    const app = await tempApp();
    const names = Array.from({ length: 1005 }, (_, index) => `p${index}`);
    const { batchId } = addBatch(app, ...names);
    const tracking = trackBatch(app.events, app.queue, batchId);
    expect(tracking.progress().total).toBe(1005);
    tracking.stop();
  });
});
