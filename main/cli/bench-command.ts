import { Command, InvalidArgumentError } from 'commander';
import { benchMarkdown, defaultBenchOptions, runBench } from '../engine/bench.js';
import { lookBenchMarkdown, runLookBench } from '../engine/look-bench.js';
import { defaultDataDir } from '../engine/data-dir.js';
import type { Scale } from '../engine/index.js';
import { addEngineOptions, type EngineCliOptions } from './app-options.js';
import { engineOptionsFrom } from './engine-options.js';
import { parsePositiveInt, parseScale } from './options.js';
import { outputReport } from './report-output.js';
import { definedFields } from '../../common/fields.js';

interface BenchCliOptions extends EngineCliOptions {
  runs: number;
  size: { width: number; height: number };
  scales: Scale[];
  steps?: number;
  tile?: number;
  out?: string;
  json?: boolean;
  looks?: boolean;
}

export function benchCommand(): Command {
  return addEngineOptions(new Command('bench'))
    .description(
      'Measure this machine: per-stage times and ms per output megapixel for each scale, ' +
        "with sharp's Lanczos-3 as the floor",
    )
    .option('--runs <n>', 'timed runs per scale', parsePositiveInt, defaultBenchOptions.runs)
    .option('--size <WxH>', 'generated input size', parseSize, {
      width: defaultBenchOptions.width,
      height: defaultBenchOptions.height,
    })
    .option(
      '--scales <list>',
      'scales to measure, e.g. 2,4,8',
      parseScales,
      defaultBenchOptions.scales,
    )
    .option('--steps <n>', 'DDIM steps', parsePositiveInt)
    .option('--tile <n>', 'tile side in input pixels (default: automatic)', parsePositiveInt)
    .option('--out <file>', 'write the JSON report there, and the markdown table beside it (.md)')
    .option('--json', 'print the JSON report instead of the table')
    .option(
      '--looks',
      'instead: the decoder cost of each model with a detailed look (faithful-only vs the ' +
        'strength baked in at load vs blended per call), on the CPU',
    )
    .action(async (options: BenchCliOptions) => {
      if (options.looks === true) {
        await benchLooks(options);
        return;
      }
      const report = await runBench({
        ...options.size,
        runs: options.runs,
        scales: options.scales,
        ...definedFields({ steps: options.steps, tile: options.tile }),
        engine: engineOptionsFrom(options),
      });
      await outputReport(report, benchMarkdown(report), options);
    });
}

async function benchLooks(options: BenchCliOptions): Promise<void> {
  const report = await runLookBench({
    modelDirs: options.models,
    dataDir: options.dataDir ?? defaultDataDir(),
    scales: options.scales,
    runs: options.runs,
    strength: 1,
    ...definedFields({ tile: options.tile, threads: options.threads }),
  });
  await outputReport(report, lookBenchMarkdown(report), options);
}

function parseSize(value: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(value);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (match === null || width < 8 || height < 8) {
    throw new InvalidArgumentError('Expected WIDTHxHEIGHT, each at least 8, e.g. 256x192.');
  }
  return { width, height };
}

function parseScales(value: string): Scale[] {
  return value.split(',').map((part) => parseScale(part.trim()));
}
