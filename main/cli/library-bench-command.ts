import { Command, InvalidArgumentError } from 'commander';
import { defaultLibraryBenchOptions, runLibraryBench } from '../library/bench.js';
import { parsePositiveInt } from './options.js';
import { outputReport } from './report-output.js';

export function libraryBenchCommand(): Command {
  return new Command('bench')
    .description('Benchmark library import and paging at 10k and 100k photos (temporary database)')
    .option(
      '--rows <list>',
      'comma-separated library sizes',
      parseRowList,
      defaultLibraryBenchOptions.rows,
    )
    .option(
      '--samples <n>',
      'timed runs per query shape',
      parsePositiveInt,
      defaultLibraryBenchOptions.samples,
    )
    .option('--out <file>', 'also write the JSON report to this file')
    .action(async (options: { rows: number[]; samples: number; out?: string }) => {
      const report = await runLibraryBench({ ...defaultLibraryBenchOptions, ...options });
      await outputReport(report, null, options);
    });
}

function parseRowList(value: string): number[] {
  const rows = value.split(',').map(Number);
  if (rows.some((row) => !Number.isInteger(row) || row < 1)) {
    throw new InvalidArgumentError('Expected comma-separated whole numbers, e.g. 10000,100000.');
  }
  return rows;
}
