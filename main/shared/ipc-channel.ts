import type { ChannelName } from './contract.js';

/**
 * IPC channel names are namespaced so they never collide with Electron's or a
 * library's. Kept apart from the schemas so the preload bundle stays tiny.
 */
export function ipcChannel(name: ChannelName): `yonos:${ChannelName}` {
  return `yonos:${name}`;
}

/** The main process pushes every service event to the window on this channel. */
export const eventChannel = 'yonos:event';
