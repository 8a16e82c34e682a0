import type { ChannelName } from '../../common/contract.js';

/**
 * IPC channel names are namespaced so they never collide with Electron's or a
 * library's. Kept apart from the schemas so the preload bundle stays tiny.
 */
export function ipcChannel(name: ChannelName): `yonos:${ChannelName}` {
  return `yonos:${name}`;
}

/** The main process pushes every service event to the window on this channel. */
export const eventChannel = 'yonos:event';

/**
 * The contract's channel names without its schemas, for the preload (which
 * would otherwise bundle zod). test/unit/contract.test.ts keeps it complete.
 */
export const ipcChannelNames = [
  'health',
  'libraryImport',
  'libraryQuery',
  'libraryPhoto',
  'libraryThumbnail',
  'libraryFolders',
  'libraryRefresh',
  'libraryRemove',
  'jobsEnqueue',
  'jobsList',
  'jobsGet',
  'jobsBatches',
  'jobsStatus',
  'jobsPause',
  'jobsResume',
  'jobsCancel',
  'jobsRetry',
  'jobsEstimate',
  'jobsDetails',
  'jobsClearFinished',
  'jobsClearedBefore',
  'watchList',
  'watchAdd',
  'watchRemove',
  'watchPause',
  'watchResume',
  'browseFolder',
  'browsePlaces',
  'settingsGet',
  'settingsSet',
  'systemInfo',
  'modelsAdd',
  'modelsRemove',
  'previewRegion',
  'previewLooks',
  'modelsList',
  'integrationStatus',
  'integrationSet',
] as const satisfies readonly ChannelName[];
