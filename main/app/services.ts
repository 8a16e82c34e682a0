import type { YonosApp } from './app.js';
import type { HealthReport, IntegrationStatus, ServiceHandlers } from '../../common/contract.js';
import { appVersion } from '../../common/version.js';
import {
  actionsStatus,
  installActions,
  otherPlatformActions,
  uninstallActions,
} from '../integration/file-manager-actions.js';
import { clearedBefore, clearFinished } from '../jobs/cleared.js';
import { planBatch } from '../jobs/plan.js';
import { browseFolder, browsePlaces } from '../library/folder-browser.js';
import { addModel, removeModel } from './model-services.js';
import { previewLooks, previewRegion } from './preview.js';
import { installedModelCards, systemInfo } from './system-info.js';
import { setFields } from '../../common/fields.js';

export function createHealthReport(): HealthReport {
  return {
    status: 'ok',
    version: appVersion,
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
  };
}

/** The backend's implementation of the service contract, shared by IPC, HTTP and the CLI. */
export function createServices(app: YonosApp): ServiceHandlers {
  const { library, queue, watches, settings } = app;
  return {
    health: () => createHealthReport(),

    libraryImport: ({ paths, recursive }) => library.importPaths(paths, recursive ?? true),
    libraryQuery: (query) => library.query(query),
    libraryPhoto: (id) => library.photo(id),
    libraryThumbnail: async (id) => ({ dataUrl: await library.thumbnailDataUrl(id) }),
    libraryFolders: () => library.folders(),
    libraryRefresh: () => library.refresh(),
    libraryRemove: (ids) => ({ changed: library.remove(ids) }),

    jobsEnqueue: async (asked) => {
      // What the request leaves out comes from the settings.
      const defaults = settings.get();
      const request = {
        // The default model belongs to the default scale.
        ...(defaults.modelId === null || asked.scale !== defaults.scale
          ? {}
          : { modelId: defaults.modelId }),
        ...setFields({
          tile: defaults.tile,
          format: defaults.format,
          outDir: defaults.outDir,
          quality: defaults.quality,
        }),
        template: defaults.template,
        ...asked,
      };
      const planned = await planBatch(library, request);
      const label = request.label ?? `${planned.jobs.length} photo(s) ×${request.scale}`;
      const added = queue.addBatch(
        { label, priority: request.priority ?? 0, device: request.device ?? 'auto' },
        planned.jobs,
      );
      return { ...added, failed: planned.failed };
    },
    jobsList: (query) => queue.list(query),
    jobsGet: (id) => queue.get(id),
    jobsBatches: () => queue.batches(),
    jobsStatus: async () => {
      const cluster = await app.runner.clusterStatus?.();
      return { ...queue.status(), ...(cluster === undefined ? {} : { cluster }) };
    },
    jobsPause: (selection) => ({ changed: queue.pause(selection) }),
    jobsResume: (selection) => ({ changed: queue.resume(selection) }),
    jobsCancel: (selection) => ({ changed: queue.cancel(selection) }),
    jobsRetry: (selection) => ({ changed: queue.retry(selection) }),
    jobsEstimate: ({ photoIds, scale }) => {
      const defaults = settings.get();
      const modelId = scale === defaults.scale ? defaults.modelId : null;
      return app.estimates.photos(photoIds, scale, modelId);
    },
    jobsDetails: ({ ids }) => ({
      speed: app.estimates.speed(settings.get().scale),
      jobs: app.estimates.jobs(ids),
    }),
    jobsClearFinished: () => clearFinished(app.db),
    jobsClearedBefore: () => clearedBefore(app.db),

    watchList: () => watches.list(),
    watchAdd: (request) => watches.add(request),
    watchRemove: async (id) => ({ changed: await watches.remove(id) }),
    watchPause: (id) => watches.pause(id),
    watchResume: (id) => watches.resume(id),

    browseFolder: ({ path }) => browseFolder(path),
    browsePlaces: () => browsePlaces(app.db),

    settingsGet: () => settings.get(),
    settingsSet: (changes) => settings.set(changes),
    systemInfo: async () =>
      systemInfo({
        dataDir: app.dataDir,
        modelDirs: app.engineOptions.modelDirs ?? [],
        device: app.device.status(),
        autoDevice: await (await app.previewEngine()).devices(),
        speed: (modelId) => app.estimates.modelSpeed(modelId),
      }),
    modelsAdd: (request) => addModel(app, request),
    modelsRemove: (request) => removeModel(app, request),
    previewRegion: async (request) => {
      const photo = await library.readOriginal(request.photoId);
      return previewRegion(await app.previewEngine(), photo, request, settings.get().tile);
    },
    previewLooks: async (request) => {
      const photo = await library.readOriginal(request.photoId);
      return previewLooks(await app.previewEngine(), photo, request, settings.get().tile);
    },
    modelsList: () =>
      installedModelCards({
        dataDir: app.dataDir,
        modelDirs: app.engineOptions.modelDirs ?? [],
        speed: (modelId) => app.estimates.modelSpeed(modelId),
      }),

    integrationStatus: () =>
      onLinux(() => actionsStatus(app.actionTargets, { dataDir: app.dataDir })),
    integrationSet: ({ installed }) =>
      onLinux(() =>
        (installed ? installActions : uninstallActions)(app.actionTargets, {
          dataDir: app.dataDir,
        }),
      ),
  };
}

/** The right-click actions are Linux file managers'; elsewhere the status says what there is instead. */
function onLinux(run: () => IntegrationStatus): IntegrationStatus {
  const explanation = otherPlatformActions();
  return explanation === null ? run() : { supported: false, explanation };
}
