/** `yonos jobs …`: the background queue without the UI, for people and scripts. */
import { Command, Option } from 'commander';
import type { EnqueueRequest, Job, JobSelection, JobState } from '../../common/contract.js';
import { collisionPolicySchema, jobStateSchema } from '../../common/contract.js';
import {
  addEngineOptions,
  addJsonOption,
  appOptionsFrom,
  dataCommand,
  parseIds,
  print,
  printLine,
  untilInterrupted,
  withApp,
  type DataDirOptions,
  type EngineCliOptions,
  type JsonOption,
} from './app-options.js';
import {
  addClusterOptions,
  announceCoordinator,
  clusterUrlOption,
  connectCoordinator,
  coordinatorRunner,
  type ClusterCliOptions,
} from './cluster-options.js';
import { addLookOptions, lookOptionsFrom, type LookCliOptions } from './look-options.js';
import { usageExitCode } from './usage-exit.js';
import { parsePositiveInt, upscaleOptions, type Scale } from './options.js';
import { describeClusterStatus, withClusterStatus } from './cluster-status.js';
import { definedFields } from '../../common/fields.js';

type Options = DataDirOptions & JsonOption;

export function jobsCommand(): Command {
  return new Command('jobs')
    .description('Manage the job queue: add, list, pause, resume, cancel, retry, run')
    .addCommand(addCommand())
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(statusCommand())
    .addCommand(batchesCommand())
    .addCommand(
      selectionCommand('pause', 'Pause jobs; with --all, pause the whole queue', (s, sel) =>
        s.jobsPause(sel),
      ),
    )
    .addCommand(
      selectionCommand('resume', 'Resume paused jobs; with --all, resume the queue', (s, sel) =>
        s.jobsResume(sel),
      ),
    )
    .addCommand(
      selectionCommand('cancel', 'Cancel jobs that have not finished', (s, sel) =>
        s.jobsCancel(sel),
      ),
    )
    .addCommand(
      selectionCommand('retry', 'Queue failed or cancelled jobs again', (s, sel) =>
        s.jobsRetry(sel),
      ),
    )
    .addCommand(runCommand());
}

interface AddOptions extends Options, LookCliOptions {
  scale: Scale;
  model?: string;
  steps?: number;
  tile?: number;
  format?: EnqueueRequest['format'];
  quality?: number;
  out?: string;
  name: string;
  collision: EnqueueRequest['collision'];
  recursive?: boolean;
  mirror: boolean;
  priority: number;
  label?: string;
}

function addCommand(): Command {
  return addLookOptions(
    dataCommand(
      'add',
      'Queue photos and folders for upscaling (one batch); `yonos jobs run` processes them',
    ),
  )
    .argument('<paths...>', 'photos and folders')
    .addOption(upscaleOptions.scale())
    .addOption(upscaleOptions.model())
    .addOption(upscaleOptions.steps())
    .addOption(upscaleOptions.tile())
    .addOption(upscaleOptions.format())
    .addOption(upscaleOptions.quality())
    .addOption(upscaleOptions.out())
    .addOption(upscaleOptions.name())
    .addOption(
      new Option(
        '--collision <policy>',
        'when the output exists: a numbered name (increment, as yonos upscale), skip, or overwrite',
      )
        .choices(collisionPolicySchema.options)
        .default('increment'),
    )
    .option('-r, --recursive', 'include subfolders of folders')
    .option(
      '--no-mirror',
      'with --out: put every output directly in it instead of mirroring subfolders',
    )
    .option('--priority <n>', 'higher runs first', Number, 0)
    .option('--label <text>', 'a name for the batch')
    .action(async function (this: Command, paths: string[], options: AddOptions) {
      let request: EnqueueRequest;
      try {
        request = toRequest(paths, options);
      } catch (error) {
        this.error((error as Error).message, { exitCode: usageExitCode, code: 'yonos.usage' });
      }
      const result = await withApp(this, appOptionsFrom(options), (services) =>
        services.jobsEnqueue(request),
      );
      print(options, result, () =>
        [
          `Batch ${result.batchId}: queued ${result.jobIds.length} job(s).`,
          ...result.duplicates.map(
            (duplicate) => `  already queued: ${duplicate.path} (job ${duplicate.jobId})`,
          ),
          ...result.failed.map((failure) => `  not queued: ${failure.path}: ${failure.error}`),
        ].join('\n'),
      );
      if (result.failed.length > 0) process.exitCode = 1;
    });
}

function toRequest(paths: string[], options: AddOptions): EnqueueRequest {
  return {
    inputs: paths,
    scale: options.scale,
    template: options.name,
    mirror: options.mirror,
    priority: options.priority,
    recursive: options.recursive === true,
    ...definedFields({
      collision: options.collision,
      modelId: options.model,
      steps: options.steps,
      tile: options.tile,
      format: options.format,
      quality: options.quality,
      outDir: options.out,
      label: options.label,
    }),
    ...lookOptionsFrom(options),
  };
}

export function describeJob(job: Job): string {
  const percent = job.state === 'running' ? ` ${Math.round(job.progress * 100)}%` : '';
  const error = job.error === null ? '' : `  (${job.error})`;
  return `${String(job.id).padStart(6)}  ${job.state.padEnd(9)}${percent}  ×${job.settings.scale}  ${job.input} -> ${job.output}${error}`;
}

function listCommand(): Command {
  return dataCommand('list', 'List jobs, oldest first')
    .addOption(
      new Option('--state <state>', 'only jobs in this state').choices(jobStateSchema.options),
    )
    .option('--batch <id>', 'only jobs of this batch', parsePositiveInt)
    .option('--after <id>', 'only jobs with a larger id (paging)', parsePositiveInt)
    .option('--limit <n>', 'at most this many', parsePositiveInt, 100)
    .action(async function (
      this: Command,
      options: Options & { state?: JobState; batch?: number; after?: number; limit: number },
    ) {
      const jobs = await withApp(this, appOptionsFrom(options), (services) =>
        services.jobsList({
          limit: options.limit,
          ...definedFields({
            state: options.state,
            batchId: options.batch,
            afterId: options.after,
          }),
        }),
      );
      print(options, jobs, () =>
        jobs.length === 0 ? 'No jobs.' : jobs.map(describeJob).join('\n'),
      );
    });
}

function showCommand(): Command {
  return dataCommand('show', 'Show one job with its settings snapshot')
    .argument('<id>', 'job id')
    .action(async function (this: Command, id: string, options: Options) {
      const [jobId] = parseIds([id]);
      const job = await withApp(this, appOptionsFrom(options), (services) =>
        services.jobsGet(jobId ?? 0),
      );
      print(options, job, () => `${describeJob(job)}\n  settings: ${JSON.stringify(job.settings)}`);
    });
}

function statusCommand(): Command {
  return dataCommand('status', 'Counts per state, and whether the queue is paused')
    .addOption(clusterUrlOption())
    .action(async function (this: Command, options: Options & { cluster?: string }) {
      const status = await withApp(this, appOptionsFrom(options), (services, app) =>
        withClusterStatus(options.cluster, app, services.jobsStatus()),
      );
      print(options, status, () =>
        [
          `Queue ${status.paused ? 'PAUSED' : 'active'}.`,
          Object.entries(status.counts)
            .map(([state, n]) => `${state} ${n}`)
            .join(', '),
          ...status.running.map(describeJob),
          ...(status.cluster === undefined ? [] : describeClusterStatus(status.cluster)),
        ].join('\n'),
      );
    });
}

function batchesCommand(): Command {
  return dataCommand('batches', 'List batches (newest first) with counts per state').action(
    async function (this: Command, options: Options) {
      const batches = await withApp(this, appOptionsFrom(options), (services) =>
        services.jobsBatches(),
      );
      print(options, batches, () =>
        batches
          .map((batch) => {
            const counts = Object.entries(batch.counts)
              .filter(([, n]) => n > 0)
              .map(([state, n]) => `${state} ${n}`)
              .join(', ');
            return `${String(batch.id).padStart(6)}  ${batch.label}  [${counts}]`;
          })
          .join('\n'),
      );
    },
  );
}

type SelectionCall = (
  services: Parameters<Parameters<typeof withApp>[2]>[0],
  selection: JobSelection,
) => Promise<{ changed: number }> | { changed: number };

function selectionCommand(name: string, description: string, call: SelectionCall): Command {
  return dataCommand(name, description)
    .argument('[ids...]', 'job ids')
    .option('--all', 'every applicable job (for pause and resume: the whole queue)')
    .action(async function (this: Command, ids: string[], options: Options & { all?: boolean }) {
      if (ids.length === 0 && options.all !== true) this.error('Name job ids, or pass --all.');
      const selection: JobSelection = options.all === true ? {} : { ids: parseIds(ids) };
      const result = await withApp(this, appOptionsFrom(options), (services) =>
        call(services, selection),
      );
      print(options, result, () => `${name}: ${result.changed} changed.`);
    });
}

function runCommand(): Command {
  return addClusterOptions(addJsonOption(addEngineOptions(new Command('run'))))
    .description(
      'Process queued jobs, then exit (with --wait: keep waiting for new ones until Ctrl+C)',
    )
    .option('--wait', 'keep running and take new jobs as they are queued')
    .action(async function (
      this: Command,
      options: EngineCliOptions & ClusterCliOptions & JsonOption & { wait?: boolean },
    ) {
      const coordinator = await connectCoordinator(this, options);
      const appOptions = { ...appOptionsFrom(options), ...coordinatorRunner(coordinator) };
      await withApp(this, appOptions, async (_services, app) => {
        announceCoordinator(coordinator);
        const log = app.events.subscribe((event) => {
          if (event.type !== 'job' || !['done', 'failed', 'skipped'].includes(event.job.state))
            return;
          printLine(options, event.job, () => describeJob(event.job));
        });
        try {
          if (options.wait === true) {
            app.keepDailyBackups();
            app.runner.start();
            await untilInterrupted();
          } else {
            await Promise.race([app.runner.runUntilIdle(), untilInterrupted()]);
          }
        } finally {
          log();
        }
      });
    });
}
