/**
 * Where a job writes: the one decision (naming template, collision policy,
 * "overwrite only our own outputs", adopting an earlier attempt's finished
 * file) shared by the local runner and the cluster coordinator, so a job lands
 * under the same name whichever machine upscales it.
 */
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import sharp from 'sharp';
import { formatFromPath, planOutput } from '../engine/output-path.js';
import type { FinishedOutput, JobQueue, QueuedJob } from './queue.js';
import { setFields } from '../../common/fields.js';

export type OutputDecision =
  | { kind: 'write'; path: string }
  | { kind: 'adopt'; path: string }
  | { kind: 'skip'; path: string };

/**
 * Decides the output and claims it; while another job writes to that path,
 * waits `pollMs`, lets `recover` requeue jobs whose process is gone, and
 * decides again.
 */
export async function claimOutput(
  queue: JobQueue,
  job: QueuedJob,
  modelId: string,
  wait: { pollMs: number; signal: AbortSignal; recover: () => void },
): Promise<OutputDecision> {
  for (;;) {
    const decision = await decideOutput(queue, job);
    if (decision.kind !== 'write' || queue.claimOutput(job.id, decision.path, modelId)) {
      return decision;
    }
    await delay(wait.pollMs, undefined, { signal: wait.signal });
    // The job writing there may be one whose process is gone: it goes back to the queue.
    wait.recover();
  }
}

/**
 * A claimed output that exists was written by an earlier attempt of this very
 * job (outputs are renamed into place only when complete), so it is adopted
 * rather than written twice. Overwrite jobs just write again. Otherwise the
 * engine's planOutput decides, as for `yonos upscale`.
 */
export async function decideOutput(queue: JobQueue, job: QueuedJob): Promise<OutputDecision> {
  const { settings } = job;
  // Unless another job has recorded the file there since (it took the path over
  // while this job's process was gone): then it is decided afresh, like any other.
  if (job.outputClaimed && !queue.isOutputOfAnotherJob(job.output, job.id)) {
    const adopt = existsSync(job.output) && settings.collision !== 'overwrite';
    return { kind: adopt ? 'adopt' : 'write', path: job.output };
  }
  const plan = await planOutput({
    input: job.input,
    scale: settings.scale,
    template: settings.template,
    collision: settings.collision,
    ...setFields({
      outDir: settings.outDir,
      sourceRoot: settings.sourceRoot,
      format: settings.format,
    }),
  });
  return { kind: plan.action === 'skip' ? 'skip' : 'write', path: plan.path };
}

/** What the library records about an output file that is in place. */
export async function describeOutput(file: string, modelId: string): Promise<FinishedOutput> {
  const metadata = await sharp(file).metadata();
  return {
    path: file,
    modelId,
    width: metadata.width,
    height: metadata.height,
    format: formatFromPath(file) ?? metadata.format,
  };
}
