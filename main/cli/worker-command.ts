/** `yonos worker`: this machine upscales jobs for a cluster's coordinators. */
import { Command, Option } from 'commander';
import { ClusterWorker, type WorkerEvent } from '../cluster/worker.js';
import { parsePathMap, type PathMap } from '../cluster/path-map.js';
import { errorMessage, InvalidError } from '../../common/errors.js';
import {
  addEngineOptions,
  printLine,
  untilInterrupted,
  type EngineCliOptions,
} from './app-options.js';
import { clusterUrlOption } from './cluster-options.js';
import { engineOptionsFrom } from './engine-options.js';
import { parsePositiveInt } from './options.js';
import { usageExitCode } from './usage-exit.js';

interface WorkerCliOptions extends EngineCliOptions {
  cluster?: string;
  concurrency: number;
  stallTimeout: number;
  pathMap: PathMap[];
  json?: boolean;
}

export function workerCommand(): Command {
  return addEngineOptions(new Command('worker'))
    .description(
      'Upscale jobs from a cluster (Redis) for the coordinators that send them, with the models installed here',
    )
    .addOption(clusterUrlOption().makeOptionMandatory())
    .option('--concurrency <n>', 'jobs at once (one inference engine each)', parsePositiveInt, 1)
    .addOption(
      new Option(
        '--stall-timeout <seconds>',
        'a job whose worker is silent this long (killed, cut off) goes to another worker',
      )
        .argParser(parsePositiveInt)
        .default(30),
    )
    .option(
      '--path-map <from=to>',
      'the coordinator’s folder FROM is TO here (a shared disk): read and write there, no transfer (repeatable)',
      (value: string, previous: PathMap[]) => [...previous, parsePathMap(value)],
      [],
    )
    .option('--json', 'print JSON Lines events')
    .action(async function (this: Command, options: WorkerCliOptions) {
      let worker: ClusterWorker;
      try {
        worker = await ClusterWorker.start({
          url: options.cluster ?? '',
          engineOptions: engineOptionsFrom(options),
          concurrency: options.concurrency,
          stallTimeoutMs: options.stallTimeout * 1000,
          pathMaps: options.pathMap,
          log: (event) => {
            printLine(options, event, () => describe(event));
          },
        });
      } catch (error) {
        const exitCode = error instanceof InvalidError ? usageExitCode : 1;
        this.error(errorMessage(error), { exitCode });
      }
      const signal = await untilInterrupted();
      await worker.stop();
      printLine(options, { type: 'stopped', signal }, () => `Stopped (${signal}).`);
    });
}

function describe(event: WorkerEvent): string {
  switch (event.type) {
    case 'ready':
      return `Worker ${event.worker} ready (${String(event.concurrency)} at once) for: ${event.models.join(', ')}; press Ctrl+C to stop.`;
    case 'started':
      return `started  job ${String(event.jobId)} of ${event.coordinator}: ${event.input}`;
    case 'done':
      return event.landed
        ? `done     job ${String(event.jobId)} of ${event.coordinator} in ${(event.ms / 1000).toFixed(1)} s`
        : `dropped  job ${String(event.jobId)} of ${event.coordinator}: no longer wanted there`;
    case 'failed':
      return `failed   job ${String(event.jobId)} of ${event.coordinator}: ${event.error}`;
  }
}
