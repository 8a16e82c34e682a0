/** `yonos models remove ID`: deletes a model from the user models folder (see main/app/model-services.ts). */
import { Command } from 'commander';
import type { ModelRemoved } from '../../common/contract.js';
import { appOptionsFrom, print, withApp, type EngineCliOptions } from './app-options.js';

interface ModelsRemoveOptions extends EngineCliOptions {
  json?: boolean;
  force?: boolean;
}

export function modelsRemoveCommand(): Command {
  return new Command('remove')
    .description(
      'Delete a model from the user models folder (the file it was added from is kept); refused for built-in models and while jobs in the queue or watch folders use it',
    )
    .argument('<id>', 'the model id, as `yonos models` lists it')
    .option(
      '--force',
      'cancel the jobs in the queue that use it and pause the watch folders, then remove it',
    )
    .action(async function (this: Command, id: string) {
      const options = this.optsWithGlobals<ModelsRemoveOptions>();
      const removed = await withApp(this, appOptionsFrom(options), (services) =>
        services.modelsRemove({ id, ...(options.force === true ? { force: true } : {}) }),
      );
      print(options, removed, () => describeRemoved(removed));
    });
}

/** One line: what was deleted, and what else changed. */
function describeRemoved(removed: ModelRemoved): string {
  const also = [
    removed.cancelledJobs > 0 ? `cancelled ${plural(removed.cancelledJobs, 'job')}` : '',
    removed.pausedWatches > 0 ? `paused ${plural(removed.pausedWatches, 'watch folder')}` : '',
    removed.defaultReset ? 'the default model is automatic again' : '',
  ].filter((part) => part !== '');
  return `Removed ${removed.id} (${removed.name}): deleted ${removed.dir}${also.map((part) => `; ${part}`).join('')}.`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
