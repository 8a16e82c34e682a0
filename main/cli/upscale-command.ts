import { Command, InvalidArgumentError, Option } from 'commander';
import {
  checkLookAvailable,
  defaultNameTemplate,
  Engine,
  expandTemplate,
  outputFormats,
  resolveOutputPath,
  type CollisionPolicy,
  type OutputFormat,
  type Scale,
} from '../engine/index.js';
import { addEngineOptions, type EngineCliOptions } from './app-options.js';
import { desktopNotifier } from './desktop-notifier.js';
import { engineOptionsFrom } from './engine-options.js';
import { addLookOptions, lookOptionsFrom, type LookCliOptions } from './look-options.js';
import { parsePositiveInt, parseScale } from './options.js';
import { expandInputs, type InputFile } from './upscale-inputs.js';
import {
  combinedReporter,
  humanReporter,
  jsonReporter,
  type UpscaleReporter,
  type UpscaleSummary,
} from './upscale-report.js';
import { usageExitCode } from './usage-exit.js';

interface UpscaleCliOptions extends EngineCliOptions, LookCliOptions {
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
  return addLookOptions(addEngineOptions(new Command('upscale')))
    .description('Upscale photos (files or folders) 2×, 4× or 8×')
    .argument('<images...>', 'photos and folders of photos')
    .option('-s, --scale <factor>', 'upscale factor: 2, 4 or 8', parseScale, 4 satisfies Scale)
    .option('-o, --out <dir>', 'output folder (default: beside each photo)')
    .addOption(
      new Option('--format <format>', 'output format (default: the input format)').choices(
        outputFormats,
      ),
    )
    .option('--quality <q>', 'jpg/webp/avif quality, 1-100', parseQuality)
    .option('--steps <n>', 'DDIM steps (default 1)', parsePositiveInt)
    .option('--tile <n>', 'tile side in input pixels (default: automatic)', parsePositiveInt)
    .option('--model <id>', 'model id (default: the first installed for the scale)')
    .option(
      '--name <template>',
      'output name; {name} and {scale} are replaced',
      defaultNameTemplate,
    )
    .addOption(new Option('--skip-existing', 'skip photos whose output exists'))
    .addOption(new Option('--overwrite', 'replace existing outputs').conflicts('skipExisting'))
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
      const summary = await upscaleAll(images, options, reporter);
      reporter.summary(summary);
      process.exitCode = summary.interrupted ? 130 : summary.failed > 0 ? 1 : 0;
    });
}

async function upscaleAll(
  images: string[],
  options: UpscaleCliOptions,
  reporter: UpscaleReporter,
): Promise<UpscaleSummary> {
  const started = performance.now();
  const { files, problems } = await expandInputs(images, options.recursive === true);
  const summary: UpscaleSummary = {
    files: files.length + problems.length,
    done: 0,
    skipped: 0,
    failed: 0,
    interrupted: false,
    ms: 0,
  };
  reporter.start?.(summary.files);
  for (const problem of problems) {
    reporter.failed(problem.input, problem.message);
    summary.failed += 1;
  }
  if (files.length > 0) {
    const engine = await Engine.create(engineOptionsFrom(options));
    const interrupt = new AbortController();
    const onSignal = (): void => {
      interrupt.abort();
    };
    process.once('SIGINT', onSignal);
    try {
      checkLookAvailable(engine.resolveModel(options.scale, options.model), options.look);
      for (const input of files) {
        if (interrupt.signal.aborted) break;
        await upscaleOne(engine, input, options, reporter, summary, interrupt.signal);
      }
    } catch (error) {
      // No model for the scale (or the look): every file would fail the same way; say it once.
      reporter.failed(images.join(' '), (error as Error).message);
      summary.failed += files.length - summary.done - summary.skipped;
    } finally {
      summary.interrupted = interrupt.signal.aborted;
      process.off('SIGINT', onSignal);
      await engine.close();
    }
  }
  summary.ms = performance.now() - started;
  return summary;
}

async function upscaleOne(
  engine: Engine,
  { file, sourceRoot }: InputFile,
  options: UpscaleCliOptions,
  reporter: UpscaleReporter,
  summary: UpscaleSummary,
  signal: AbortSignal,
): Promise<void> {
  try {
    const target = resolveOutputPath({
      input: file,
      scale: options.scale,
      template: options.name,
      collision: collisionPolicy(options),
      ...(options.out === undefined ? {} : { outDir: options.out }),
      ...(options.out === undefined || sourceRoot === undefined ? {} : { sourceRoot }),
      ...(options.format === undefined ? {} : { format: options.format }),
    });
    if (target.action === 'skip') {
      reporter.skipped(file, target.path);
      summary.skipped += 1;
      return;
    }
    const result = await engine.upscaleFile(
      file,
      target.path,
      {
        scale: options.scale,
        ...(options.model === undefined ? {} : { modelId: options.model }),
        ...(options.steps === undefined ? {} : { steps: options.steps }),
        ...(options.tile === undefined ? {} : { tile: options.tile }),
        ...(options.format === undefined ? {} : { format: options.format }),
        ...(options.quality === undefined ? {} : { quality: options.quality }),
        ...(options.look === undefined ? {} : { look: options.look }),
        ...(options.strength === undefined ? {} : { strength: options.strength }),
      },
      { signal, onProgress: reporter.progress },
    );
    reporter.done(result);
    summary.done += 1;
  } catch (error) {
    reporter.failed(file, (error as Error).message);
    summary.failed += 1;
  }
}

function collisionPolicy(options: UpscaleCliOptions): CollisionPolicy {
  if (options.skipExisting === true) return 'skip';
  return options.overwrite === true ? 'overwrite' : 'increment';
}

function parseQuality(value: string): number {
  const quality = parsePositiveInt(value);
  if (quality > 100) throw new InvalidArgumentError('Quality is a whole number from 1 to 100.');
  return quality;
}
