/** Plays the job runner's part in tests that are about what happens around it. */
import type { Job } from '../../common/contract.js';
import type { YonosApp } from '../../main/app/app.js';

/** Runs the next queued job to the end; null when none is queued. */
export function finishNextJob(app: YonosApp, outcome: 'done' | 'failed'): Job | null {
  const job = app.queue.claimNext('cpu');
  if (job === null) return null;
  if (outcome === 'failed') app.queue.fail(job.id, 'broken file');
  else {
    app.queue.complete(job.id, {
      path: job.output,
      modelId: 'yonos-tiny-x4',
      width: 4,
      height: 4,
      format: 'jpeg',
    });
  }
  return job;
}

/** Makes a running job look like one whose process died: its lease ran out long ago. */
export function abandon(app: YonosApp, jobId: number): void {
  app.db
    .prepare(
      "UPDATE jobs SET lease_owner = 'a-process-that-died', lease_expires_at = 1 WHERE id = ?",
    )
    .run(jobId);
}
