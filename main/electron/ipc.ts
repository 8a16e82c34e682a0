import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { channelNames } from '../../common/contract.js';
import type { ChannelName, ServiceHandlers, YonosEvents } from '../../common/contract.js';
import { dispatch } from '../app/dispatch.js';
import { eventChannel, ipcChannel } from './ipc-channel.js';

/**
 * Registers one `ipcMain.handle` per contract channel. Only frames showing our
 * own renderer may call in (Electron security checklist: validate the sender),
 * and arguments are parsed against the contract before a handler sees them.
 */
export function registerIpcHandlers(handlers: ServiceHandlers, rendererUrlPrefix: string): void {
  const isTrustedSender = (event: IpcMainInvokeEvent): boolean =>
    event.senderFrame?.url.startsWith(rendererUrlPrefix) ?? false;

  const register = (name: ChannelName): void => {
    ipcMain.handle(ipcChannel(name), (event, ...rawArgs: unknown[]) => {
      if (!isTrustedSender(event)) {
        throw new Error(`Refused IPC call "${name}" from an untrusted frame`);
      }
      return dispatch(handlers, name, rawArgs);
    });
  };
  channelNames.forEach(register);
}

/** Forwards every service event to the window until it is destroyed. */
export function forwardEvents(events: YonosEvents, contents: WebContents): void {
  const unsubscribe = events.subscribe((event) => {
    if (!contents.isDestroyed()) contents.send(eventChannel, event);
  });
  contents.once('destroyed', unsubscribe);
}
