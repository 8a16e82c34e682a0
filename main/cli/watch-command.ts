/** `yonos watch <dir>`: headless watch mode, until Ctrl+C or SIGTERM. */
import { Command } from 'commander';
import type { OutputFormat } from '../engine/index.js';
import type { ServiceEvent } from '../../common/contract.js';
import {
  addEngineOptions,
  addJsonOption,
  appOptionsFrom,
  printLine,
  untilInterrupted,
  withApp,
  type EngineCliOptions,
  type JsonOption,
} from './app-options.js';
import {
  addClusterOptions,
  announceCoordinator,
  connectCoordinator,
  coordinatorRunner,
  type ClusterCliOptions,
} from './cluster-options.js';
import { describeJob } from './jobs-command.js';
import { upscaleOptions, type Scale } from './options.js';
import { definedFields } from '../../common/fields.js';

interface WatchOptions extends EngineCliOptions, ClusterCliOptions, JsonOption {
  scale: Scale;
  out?: string;
  recursive?: boolean;
  model?: string;
  format?: OutputFormat;
}

export function watchCommand(): Command {
  return addClusterOptions(addJsonOption(addEngineOptions(new Command('watch'))))
    .description(
      'Upscale photos as they land in a folder (and those that arrived while Yonos was not running)',
    )
    .argument('<dir>', 'folder to watch')
    .addOption(upscaleOptions.scale())
    .addOption(upscaleOptions.out())
    .option('-r, --recursive', 'watch subfolders too (mirrored under --out)')
    .addOption(upscaleOptions.model())
    .addOption(upscaleOptions.format())
    .action(async function (this: Command, dir: string, options: WatchOptions) {
      const coordinator = await connectCoordinator(this, options);
      const appOptions = { ...appOptionsFrom(options), ...coordinatorRunner(coordinator) };
      await withApp(this, appOptions, async (services, app) => {
        // Before saving anything: a second process on this library stops here.
        app.watches.reserve();
        app.keepDailyBackups();
        const stopLogging = app.events.subscribe((event) => {
          logEvent(options, event);
        });
        const watch = await app.watches.add(
          {
            path: dir,
            scale: options.scale,
            recursive: options.recursive === true,
            ...definedFields({
              outDir: options.out,
              modelId: options.model,
              format: options.format,
            }),
          },
          false,
        );
        if (watch.paused) await services.watchResume(watch.id);
        else await app.watches.start(watch.id);
        app.runner.start();
        announceCoordinator(coordinator);
        printLine(
          options,
          { type: 'watching', watch },
          () => `Watching ${watch.path}; press Ctrl+C to stop.`,
        );
        const signal = await untilInterrupted();
        stopLogging();
        printLine(options, { type: 'stopped', signal }, () => `Stopped (${signal}).`);
      });
    });
}

function logEvent(options: JsonOption, event: ServiceEvent): void {
  if (event.type === 'watchFile') {
    printLine(options, event, () =>
      event.action === 'queued'
        ? `queued  ${event.path}`
        : `failed  ${event.path}: ${event.detail ?? ''}`,
    );
  } else if (event.type === 'job' && ['done', 'failed', 'skipped'].includes(event.job.state)) {
    printLine(options, event, () => describeJob(event.job));
  }
}
