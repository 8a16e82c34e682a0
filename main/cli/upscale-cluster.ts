/**
 * `yonos upscale --cluster`: the same photos, names and report, but the work
 * goes through the library's queue (in --data-dir) to the cluster's workers,
 * and this process coordinates until every photo of the run has ended.
 */
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import type { CollisionPolicy, EnqueueRequest, Job, ServiceEvent } from '../../common/contract.js';
import type { YonosApp } from '../app/app.js';
import { appOptionsFrom, withApp, type EngineCliOptions } from './app-options.js';
import {
  announceCoordinator,
  connectCoordinator,
  coordinatorRunner,
  type ClusterCliOptions,
} from './cluster-options.js';
import type { Scale } from './options.js';
import { startingSummary, type UpscaleReporter, type UpscaleSummary } from './upscale-report.js';
import { definedFields } from '../../common/fields.js';

export interface UpscaleClusterOptions extends EngineCliOptions, ClusterCliOptions {
  scale: Scale;
  out?: string;
  format?: EnqueueRequest['format'];
  quality?: number;
  steps?: number;
  tile?: number;
  model?: string;
  name: string;
  collision: CollisionPolicy;
  recursive?: boolean;
}

const finished = new Set(['done', 'failed', 'skipped', 'cancelled']);

export async function upscaleOnCluster(
  command: Command,
  images: string[],
  options: UpscaleClusterOptions,
  reporter: UpscaleReporter,
  signal: AbortSignal,
): Promise<UpscaleSummary> {
  const started = performance.now();
  const coordinator = await connectCoordinator(command, options);
  const appOptions = { ...appOptionsFrom(options), ...coordinatorRunner(coordinator) };
  return withApp(command, appOptions, async (services, app) => {
    const queued = await services.jobsEnqueue(request(images, options));
    const summary = startingSummary(
      queued.jobIds.length + queued.failed.length + queued.duplicates.length,
    );
    reporter.start?.(summary.files);
    for (const failure of queued.failed) reporter.failed(failure.path, failure.error);
    for (const duplicate of queued.duplicates) {
      reporter.failed(duplicate.path, `already queued as job ${String(duplicate.jobId)}`);
    }
    summary.failed += queued.failed.length + queued.duplicates.length;
    announceCoordinator(coordinator);
    await untilEnded(app, queued.jobIds, reporter, summary, signal);
    summary.interrupted = signal.aborted;
    summary.ms = performance.now() - started;
    return summary;
  });
}

function request(images: string[], options: UpscaleClusterOptions): EnqueueRequest {
  return {
    inputs: images,
    recursive: options.recursive === true,
    scale: options.scale,
    template: options.name,
    collision: options.collision,
    outDir: options.out ?? null,
    label: `yonos upscale --cluster (${String(images.length)} argument(s))`,
    ...definedFields({
      modelId: options.model,
      steps: options.steps,
      tile: options.tile,
      format: options.format,
      quality: options.quality,
    }),
  };
}

/** Coordinates until each job of the run has ended; a signal cancels the rest (no partial files). */
function untilEnded(
  app: YonosApp,
  jobIds: number[],
  reporter: UpscaleReporter,
  summary: UpscaleSummary,
  signal: AbortSignal,
): Promise<void> {
  const pending = new Map(jobIds.map((id) => [id, app.queue.get(id)]));
  return new Promise<void>((resolve) => {
    const finish = (): void => {
      unsubscribe();
      signal.removeEventListener('abort', interrupt);
      resolve();
    };
    const interrupt = (): void => {
      app.queue.cancel({ ids: [...pending.keys()] });
      finish();
    };
    const unsubscribe = app.events.subscribe((event) => {
      report(event, pending, reporter, summary, app);
      if (pending.size === 0) finish();
    });
    signal.addEventListener('abort', interrupt, { once: true });
    if (pending.size === 0) finish();
    else app.runner.start();
  });
}

function report(
  event: ServiceEvent,
  pending: Map<number, Job>,
  reporter: UpscaleReporter,
  summary: UpscaleSummary,
  app: YonosApp,
): void {
  if (event.type === 'jobProgress') {
    const job = pending.get(event.jobId);
    if (job === undefined) return;
    reporter.progress({
      file: job.input,
      tilesDone: event.tilesDone,
      tilesTotal: event.tilesTotal,
      elapsedMs: Date.now() - (job.startedAt ?? Date.now()),
      etaMs: event.etaMs,
    });
    return;
  }
  if (event.type !== 'job' || !pending.has(event.job.id) || !finished.has(event.job.state)) return;
  const { job } = event;
  pending.delete(job.id);
  if (job.state === 'done') {
    const [detail] = app.estimates.jobs([job.id]);
    reporter.done({
      input: job.input,
      output: job.output,
      width: detail?.width ?? 0,
      height: detail?.height ?? 0,
      ms: (job.finishedAt ?? 0) - (job.startedAt ?? 0),
      device: 'cluster',
      modelId: job.settings.modelId ?? '',
    });
    summary.done += 1;
  } else if (job.state === 'skipped') {
    reporter.skipped(job.input, { reason: 'output exists', output: job.output });
    summary.skipped += 1;
  } else if (job.state === 'failed') {
    reporter.failed(job.input, job.error ?? 'failed on the cluster');
    summary.failed += 1;
  }
}
