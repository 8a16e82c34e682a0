import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  evalMarkdown,
  evalSweepMarkdown,
  runEval,
  runEvalSweep,
  type EvalReport,
} from '../engine/eval.js';
import { plotFormat, writePerceptionDistortionPlot } from '../engine/pd-plot.js';
import { Engine, type Scale } from '../engine/index.js';
import { addEngineOptions, type EngineCliOptions } from './app-options.js';
import { engineOptionsFrom } from './engine-options.js';
import { addLookOptions, lookOptionsFrom, type LookCliOptions } from './look-options.js';
import { upscaleOptions } from './options.js';
import { outputReport } from './report-output.js';
import { usageExitCode } from './usage-exit.js';
import { definedFields } from '../../common/fields.js';

interface EvalCliOptions extends EngineCliOptions, LookCliOptions {
  hr: string;
  scale: Scale;
  steps?: number;
  model?: string;
  out?: string;
  json?: boolean;
  niqeModel?: string;
  /** False with --no-niqe. */
  niqe: boolean;
  strengths?: number[];
  plot?: string;
}

export function evalCommand(): Command {
  return addLookOptions(addEngineOptions(new Command('eval')))
    .description(
      'Score a model on HR photos: antialiased-bicubic LR; PSNR-Y/SSIM-Y (border = scale), ' +
        'high-frequency energy ratio, stipple share and NIQE, next to bicubic (and the HR photo)',
    )
    .requiredOption('--hr <dir>', 'folder of high-resolution photos')
    .addOption(upscaleOptions.scale())
    .addOption(upscaleOptions.steps())
    .addOption(upscaleOptions.model())
    .option('--out <file>', 'write the JSON report there, and the markdown table beside it (.md)')
    .option('--json', 'print the JSON report instead of the table')
    .option(
      '--niqe-model <file>',
      'NIQE model from `yonos-train niqe-export` (default: the built-in one, fitted on our photos)',
    )
    .addOption(
      new Option(
        '--no-niqe',
        'skip NIQE (about a second per 2-MP image for each of output, bicubic, HR)',
      ).conflicts('niqeModel'),
    )
    .addOption(
      new Option(
        '--strengths <list>',
        'score the detailed look at each of these strengths, e.g. 0,0.5,1 (0 is faithful), in one table',
      )
        .argParser(parseStrengths)
        .conflicts(['look', 'strength']),
    )
    .addOption(
      new Option(
        '--plot <file>',
        'also draw PSNR-Y against NIQE (bicubic, each look scored, HR) as .svg or .png',
      ).argParser(parsePlotFile),
    )
    .action(async function (this: Command, options: EvalCliOptions) {
      let look: LookCliOptions = {};
      try {
        look = lookOptionsFrom(options);
        if (options.plot !== undefined && !options.niqe) {
          throw new InvalidArgumentError('--plot draws NIQE: it cannot be used with --no-niqe.');
        }
      } catch (error) {
        this.error((error as Error).message, { exitCode: usageExitCode, code: 'yonos.usage' });
      }
      const engine = await Engine.create(engineOptionsFrom(options));
      const bar = scoringBar(process.stderr);
      try {
        const common = {
          hrDir: options.hr,
          scale: options.scale,
          ...definedFields({ steps: options.steps, modelId: options.model }),
          niqeModel: options.niqe ? options.niqeModel : null,
          ...definedFields({ onScored: bar?.update }),
        };
        let reports: EvalReport[];
        if (options.strengths === undefined) {
          const report = await runEval(engine, { ...common, ...look });
          bar?.stop();
          reports = [report];
          await outputReport(report, evalMarkdown(report), options);
        } else {
          const sweep = await runEvalSweep(engine, { ...common, strengths: options.strengths });
          bar?.stop();
          reports = sweep.reports;
          await outputReport(sweep, evalSweepMarkdown(sweep), options);
        }
        if (options.plot !== undefined) await writePerceptionDistortionPlot(reports, options.plot);
      } catch (error) {
        bar?.stop();
        this.error((error as Error).message);
      } finally {
        await engine.close();
      }
    });
}

/** A progress bar over the photos on a terminal's stderr (stdout carries the report); none otherwise. */
function scoringBar(
  stderr: NodeJS.WriteStream,
): { update: (scored: number, total: number, file: string) => void; stop: () => void } | null {
  if (!stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    {
      stream: stderr,
      format: 'Scoring [{bar}] {value}/{total} photos, ETA {eta_formatted} {file}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (scored, total, file) => {
      if (!started) bar.start(total, 0, { file: '' });
      started = true;
      bar.update(scored, { file });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function parseStrengths(value: string): number[] {
  const strengths = value.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
  if (strengths.some((strength) => !(strength >= 0 && strength <= 1))) {
    throw new InvalidArgumentError(
      'Strengths are numbers from 0 to 1, separated by commas (e.g. 0,0.5,1).',
    );
  }
  return [...new Set(strengths)];
}

/** The engine's own check of the plot's name, as a usage error. */
function parsePlotFile(value: string): string {
  try {
    plotFormat(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}
