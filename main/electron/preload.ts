/**
 * Runs in the sandboxed renderer before the page. It exposes exactly the
 * contract's channels as named functions — never a generic send/invoke — so a
 * compromised page can reach nothing the contract doesn't list.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { ChannelArgs, ChannelName, ChannelResult, YonosApi } from '../shared/contract.js';
import { ipcChannel } from '../shared/ipc-channel.js';

function invoke<C extends ChannelName>(
  name: C,
  ...args: ChannelArgs<C>
): Promise<ChannelResult<C>> {
  return ipcRenderer.invoke(ipcChannel(name), ...args) as Promise<ChannelResult<C>>;
}

const api: YonosApi = {
  health: () => invoke('health'),
};

contextBridge.exposeInMainWorld('yonos', api);
