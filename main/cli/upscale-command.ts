import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  CancelledError,
  checkLookAvailable,
  Engine,
  pipelineDepth,
  expandTemplate,
  planOutput,
  removeOrphanedTempFiles,
  type CollisionPolicy,
  type KeptReason,
  type OutputFormat,
  type ResolvedOutput,
  type Scale,
} from '../engine/index.js';
import { addEngineOptions, type EngineCliOptions } from './app-options.js';
import { addClusterOptions, type ClusterCliOptions } from './cluster-options.js';
import { desktopNotifier } from './desktop-notifier.js';
import { engineOptionsFrom } from './engine-options.js';
import { addLookOptions, lookOptionsFrom, type LookCliOptions } from './look-options.js';
import { upscaleOptions } from './options.js';
import { upscaleOnCluster } from './upscale-cluster.js';
import { expandInputs, type InputFile } from './upscale-inputs.js';
import {
  combinedReporter,
  humanReporter,
  jsonReporter,
  startingSummary,
  type UpscaleReporter,
  type UpscaleSummary,
} from './upscale-report.js';
import { usageExitCode } from './usage-exit.js';
import { definedFields } from '../../common/fields.js';

interface UpscaleCliOptions extends EngineCliOptions, LookCliOptions, Partial<ClusterCliOptions> {
  scale: Scale;
  out?: string;
  format?: OutputFormat;
  quality?: number;
  steps?: number;
  tile?: number;
  model?: string;
  name: string;
  skipExisting?: boolean;
  overwrite?: boolean;
  recursive?: boolean;
  json?: boolean;
  notify?: boolean;
}

export function upscaleCommand(): Command {
  return addClusterOptions(addLookOptions(addEngineOptions(new Command('upscale'))))
    .description('Upscale photos (files or folders) 2×, 4× or 8×')
    .argument('<images...>', 'photos and folders of photos')
    .addOption(upscaleOptions.scale())
    .addOption(upscaleOptions.out())
    .addOption(upscaleOptions.format())
    .addOption(upscaleOptions.quality())
    .addOption(upscaleOptions.steps())
    .addOption(upscaleOptions.tile())
    .addOption(upscaleOptions.model())
    .addOption(upscaleOptions.name())
    .addOption(new Option('--skip-existing', 'skip photos whose output exists'))
    .addOption(
      new Option(
        '--overwrite',
        'replace earlier Yonos outputs (never inputs or others’ files)',
      ).conflicts('skipExisting'),
    )
    .option('-r, --recursive', 'include subfolders of folder arguments')
    .option('--json', 'print JSON Lines events instead of text')
    .option('--notify', 'also show progress as a desktop notification (with notify-send)')
    .action(async function (this: Command, images: string[], options: UpscaleCliOptions) {
      try {
        expandTemplate(options.name, 'photo.jpg', options.scale);
        Object.assign(options, lookOptionsFrom(options));
      } catch (error) {
        this.error((error as Error).message, { exitCode: usageExitCode, code: 'yonos.usage' });
      }
      const printer =
        options.json === true
          ? jsonReporter((line) => process.stdout.write(line))
          : humanReporter(process.stdout, process.stderr);
      const notifier = options.notify === true ? desktopNotifier({ scale: options.scale }) : null;
      const reporter = notifier === null ? printer : combinedReporter([printer, notifier]);
      const interrupt = interruptOnSignals();
      try {
        const summary =
          options.cluster === undefined
            ? await upscaleAll(images, options, reporter, interrupt.signal)
            : await upscaleOnCluster(
                this,
                images,
                {
                  ...options,
                  clusterHost: options.clusterHost ?? '127.0.0.1',
                  clusterPort: options.clusterPort ?? 0,
                  collision: collisionPolicy(options),
                },
                reporter,
                interrupt.signal,
              );
        reporter.summary(summary);
        const signal = interrupt.received();
        process.exitCode =
          signal !== null ? 128 + os.constants.signals[signal] : summary.failed > 0 ? 1 : 0;
      } finally {
        interrupt.dispose();
      }
    });
}

/**
 * Ctrl+C and SIGTERM stop the batch within one tile; the summary still goes
 * out. The first signal removes the handlers, so a second one kills at once.
 */
function interruptOnSignals(): {
  signal: AbortSignal;
  received: () => NodeJS.Signals | null;
  dispose: () => void;
} {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const dispose = (): void => {
    for (const name of signals) process.off(name, onSignal);
  };
  function onSignal(name: NodeJS.Signals): void {
    received = name;
    dispose();
    controller.abort();
  }
  for (const name of signals) process.on(name, onSignal);
  return { signal: controller.signal, received: () => received, dispose };
}

/** What one `yonos upscale` run knows while it works through its photos. */
interface Batch {
  engine: Engine;
  options: UpscaleCliOptions;
  reporter: UpscaleReporter;
  summary: UpscaleSummary;
  signal: AbortSignal;
  /** Identities (device:inode) of this run's inputs: never overwritten, even with --overwrite. */
  inputs: Set<string>;
  /**
   * Outputs this run has written or is writing (photos overlap): a later photo
   * of the same run neither takes nor overwrites their names.
   */
  written: Set<string>;
  /** Output folders already cleared of temp files that crashed runs left. */
  tidiedFolders: Set<string>;
}

async function upscaleAll(
  images: string[],
  options: UpscaleCliOptions,
  reporter: UpscaleReporter,
  signal: AbortSignal,
): Promise<UpscaleSummary> {
  const started = performance.now();
  const { files, problems, ownOutputs } = await expandInputs(images, options.recursive === true);
  const summary = startingSummary(files.length + problems.length + ownOutputs.length);
  reporter.start?.(summary.files);
  for (const problem of problems) {
    reporter.failed(problem.input, problem.message);
    summary.failed += 1;
  }
  for (const output of ownOutputs) {
    reporter.skipped(output, { reason: 'a Yonos output' });
    summary.skipped += 1;
  }
  if (files.length > 0 && !signal.aborted) {
    const engine = await Engine.create(engineOptionsFrom(options));
    const batch: Batch = {
      engine,
      options,
      reporter,
      summary,
      signal,
      inputs: new Set(files.map(({ file }) => fileIdentity(file))),
      written: new Set(),
      tidiedFolders: new Set(),
    };
    try {
      await upscaleEach(images, files, batch);
    } finally {
      await engine.close();
    }
  }
  summary.interrupted = signal.aborted;
  summary.ms = performance.now() - started;
  return summary;
}

/**
 * `pipelineDepth` photos at once: one is encoded while the next is inferred.
 * Output names are chosen in input order before a photo starts, and results
 * are reported in input order, so overlapping changes neither.
 */
async function upscaleEach(images: string[], files: InputFile[], batch: Batch): Promise<void> {
  try {
    checkLookAvailable(
      batch.engine.resolveModel(batch.options.scale, batch.options.model),
      batch.options.look,
    );
  } catch (error) {
    // No model for the scale (or the look): every file would fail the same way; say it once.
    batch.reporter.failed(images.join(' '), (error as Error).message);
    batch.summary.failed += files.length;
    return;
  }
  const inFlight: Promise<void>[] = [];
  let reported = Promise.resolve();
  for (const input of files) {
    if (batch.signal.aborted) break;
    const { report } = await upscaleOne(input, batch);
    const after = reported;
    reported = report.then(async (show) => {
      await after;
      show();
    });
    inFlight.push(reported);
    if (inFlight.length >= pipelineDepth) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/**
 * Chooses the photo's output now, then upscales it in the background; `report`
 * settles with what to show once the photos before it are shown. (Wrapped in an
 * object: an async function would otherwise wait for the promise it returns.)
 */
async function upscaleOne(
  input: InputFile,
  batch: Batch,
): Promise<{ report: Promise<() => void> }> {
  const { engine, options, reporter, summary, signal } = batch;
  const { file } = input;
  const failed = (error: unknown) => (): void => {
    // The photo a signal interrupted is neither done nor failed; the summary says interrupted.
    if (error instanceof CancelledError && signal.aborted) return;
    reporter.failed(file, (error as Error).message);
    summary.failed += 1;
  };
  let target: ResolvedOutput;
  try {
    target = await chooseOutput(input, batch);
  } catch (error) {
    return { report: Promise.resolve(failed(error)) };
  }
  if (target.action === 'skip') {
    const skipped = (): void => {
      reporter.skipped(file, { reason: 'output exists', output: target.path });
      summary.skipped += 1;
    };
    return { report: Promise.resolve(skipped) };
  }
  tidyOutputFolder(path.dirname(target.path), batch);
  const upscaled = engine.upscaleFile(
    file,
    target.path,
    {
      scale: options.scale,
      ...definedFields({
        modelId: options.model,
        steps: options.steps,
        tile: options.tile,
        format: options.format,
        quality: options.quality,
        look: options.look,
        strength: options.strength,
      }),
    },
    { signal, onProgress: reporter.progress },
  );
  const report = upscaled.then(
    (result) => () => {
      reporter.done(result);
      summary.done += 1;
    },
    failed,
  );
  return { report };
}

/**
 * The output path for one photo (the engine's planOutput, as the queue's). With
 * `--overwrite`, an input of this run and an output written earlier in it are
 * kept too, said so, and the photo gets a numbered name instead.
 */
async function chooseOutput(
  { file, sourceRoot }: InputFile,
  batch: Batch,
): Promise<ResolvedOutput> {
  const { options } = batch;
  const plan = await planOutput(
    {
      input: file,
      scale: options.scale,
      template: options.name,
      collision: collisionPolicy(options),
      claimed: batch.written,
      ...(options.out === undefined ? {} : { outDir: options.out }),
      ...(options.out === undefined || sourceRoot === undefined ? {} : { sourceRoot }),
      ...(options.format === undefined ? {} : { format: options.format }),
    },
    (existing) => reasonToKeep(existing, batch),
  );
  if (plan.kept !== undefined) batch.reporter.kept?.(file, plan.kept.path, plan.kept.reason);
  if (plan.action === 'write') batch.written.add(plan.path);
  return plan;
}

function reasonToKeep(existing: string, batch: Batch): KeptReason | null {
  if (batch.inputs.has(fileIdentity(existing))) return 'an input of this run';
  return batch.written.has(existing) ? 'written earlier in this run' : null;
}

/** Same device and inode: the same file under any name (links, case-insensitive file systems). */
function fileIdentity(file: string): string {
  try {
    const { dev, ino } = statSync(file);
    return `${String(dev)}:${String(ino)}`;
  } catch {
    return path.resolve(file);
  }
}

/** A run killed mid-photo (kill -9, power cut) left a temp file; the next run in that folder removes it. */
function tidyOutputFolder(folder: string, batch: Batch): void {
  if (batch.tidiedFolders.has(folder)) return;
  batch.tidiedFolders.add(folder);
  removeOrphanedTempFiles(folder);
}

function collisionPolicy(options: UpscaleCliOptions): CollisionPolicy {
  if (options.skipExisting === true) return 'skip';
  return options.overwrite === true ? 'overwrite' : 'increment';
}
