import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { defaultBenchOptions, runBench } from '../engine/bench.js';
import { parsePositiveInt } from './options.js';

export function benchCommand(): Command {
  return new Command('bench')
    .description('Measure this machine: milliseconds per output megapixel for each engine stage')
    .option('--runs <n>', 'timed runs per stage', parsePositiveInt, defaultBenchOptions.runs)
    .option('--out <file>', 'also write the JSON report to this file')
    .action(async (options: { runs: number; out?: string }) => {
      const report = await runBench({ ...defaultBenchOptions, runs: options.runs });
      const json = `${JSON.stringify(report, null, 2)}\n`;
      process.stdout.write(json);
      if (options.out !== undefined) {
        await mkdir(path.dirname(options.out), { recursive: true });
        await writeFile(options.out, json);
      }
    });
}
