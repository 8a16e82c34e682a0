/**
 * Settings → Models → "Add model…" and Remove, `yonos models add` and
 * `yonos models remove`: one implementation behind the contract.
 */
import { ConflictError, NotFoundError } from '../../common/errors.js';
import { addGraphModel } from '../engine/model-add.js';
import { checkRemovable, removeModelPackage } from '../engine/model-remove.js';
import { userModelsDir } from '../engine/registry.js';
import type { YonosApp } from './app.js';
import type {
  ModelAddRequest,
  ModelCard,
  ModelRemoved,
  ModelRemoveRequest,
} from '../../common/contract.js';
import { installedModels, modelCard } from './system-info.js';

export async function addModel(app: YonosApp, request: ModelAddRequest): Promise<ModelCard> {
  const model = await addGraphModel(
    {
      file: request.path,
      name: request.name,
      scale: request.scale,
      range: request.range,
      memoryCapBytes: request.memoryCapMb === undefined ? undefined : request.memoryCapMb * 2 ** 20,
    },
    { modelsDir: userModelsDir(app.dataDir), installed: installedModelsOf(app) },
    app.probeLauncher,
  );
  return modelCard(model, app.estimates.modelSpeed(model.id), userModelsDir(app.dataDir));
}

/**
 * Refused while unfinished jobs or watch folders use the model, unless forced:
 * then the jobs are cancelled and the watch folders paused first. A default
 * model in Settings that was this one becomes automatic again.
 */
export async function removeModel(
  app: YonosApp,
  { id, force = false }: ModelRemoveRequest,
): Promise<ModelRemoved> {
  const model = installedModelsOf(app).find((installed) => installed.id === id);
  if (model === undefined) throw new NotFoundError(`Model "${id}"`);
  const modelsDir = userModelsDir(app.dataDir);
  checkRemovable(model, modelsDir);
  const jobs = app.queue.unfinishedJobsUsing(id);
  const watches = app.watches.list().filter((watch) => watch.modelId === id);
  if (!force && jobs.length + watches.length > 0) {
    throw new ConflictError(inUse(id, jobs.length, watches.length));
  }
  const cancelledJobs = jobs.length > 0 ? app.queue.cancel({ ids: jobs }) : 0;
  const active = watches.filter((watch) => !watch.paused);
  for (const watch of active) await app.watches.pause(watch.id);
  await removeModelPackage(model, modelsDir);
  const defaultReset = app.settings.get().modelId === id;
  if (defaultReset) app.settings.set({ modelId: null });
  return {
    id,
    name: model.name,
    dir: model.dir,
    cancelledJobs,
    pausedWatches: active.length,
    defaultReset,
  };
}

function installedModelsOf(app: YonosApp) {
  return installedModels({ dataDir: app.dataDir, modelDirs: app.engineOptions.modelDirs ?? [] });
}

/** "2 jobs in the queue use model x; cancel them first, or force the removal, which cancels them." */
function inUse(id: string, jobs: number, watches: number): string {
  const users = [
    counted(jobs, 'job in the queue', 'jobs in the queue'),
    counted(watches, 'watch folder', 'watch folders'),
  ].filter((part) => part !== '');
  const subject = `${users.join(' and ')} ${jobs + watches === 1 ? 'uses' : 'use'} model ${id}`;
  if (watches === 0) {
    const them = jobs === 1 ? 'it' : 'them';
    return `${subject}; cancel ${them} first, or force the removal, which cancels ${them}.`;
  }
  if (jobs === 0) {
    const [folders, them] = watches === 1 ? ['watch folder', 'it'] : ['watch folders', 'them'];
    return `${subject}; remove the ${folders} first, or force the removal, which pauses ${them}.`;
  }
  return (
    `${subject}; cancel the jobs and remove the watch folders first, or force the removal, ` +
    'which cancels the jobs and pauses the watch folders.'
  );
}

function counted(count: number, one: string, many: string): string {
  if (count === 0) return '';
  return `${count} ${count === 1 ? one : many}`;
}
