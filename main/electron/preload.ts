/**
 * Runs in the sandboxed renderer before the page. It exposes exactly the
 * contract's channels as named functions — never a generic send/invoke — so a
 * compromised page can reach nothing the contract doesn't list, plus a
 * subscription to the backend's events. The main process validates arguments.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { ServiceEvent, YonosApi, YonosEvents } from '../../common/contract.js';
import { desktopChannels, type DesktopApi } from '../../common/desktop.js';
import { isIpcFailure, ServiceError } from '../../common/errors.js';
import { eventChannel, ipcChannel, ipcChannelNames } from './ipc-channel.js';

const api = Object.fromEntries(
  ipcChannelNames.map((name) => [
    name,
    async (...args: unknown[]) => {
      const reply: unknown = await ipcRenderer.invoke(ipcChannel(name), ...args);
      if (isIpcFailure(reply))
        throw new ServiceError(reply.yonosError.kind, reply.yonosError.message);
      return reply;
    },
  ]),
) as YonosApi;

const events: YonosEvents = {
  subscribe(listener) {
    const forward = (_event: unknown, payload: ServiceEvent): void => {
      listener(payload);
    };
    ipcRenderer.on(eventChannel, forward);
    return () => ipcRenderer.off(eventChannel, forward);
  },
};

const desktop: DesktopApi = {
  chooseFolders: () => ipcRenderer.invoke(desktopChannels.chooseFolders) as Promise<string[]>,
  chooseModelFile: () =>
    ipcRenderer.invoke(desktopChannels.chooseModelFile) as Promise<string | null>,
  showInFolder: async (file) => {
    await ipcRenderer.invoke(desktopChannels.showInFolder, file);
  },
  pathForFile: (file) => webUtils.getPathForFile(file),
  openMainWindow: async () => {
    await ipcRenderer.invoke(desktopChannels.openMainWindow);
  },
};

contextBridge.exposeInMainWorld('yonos', api);
contextBridge.exposeInMainWorld('yonosDesktop', desktop);
contextBridge.exposeInMainWorld('yonosEvents', events);
