import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { channelNames, serviceContract } from '../shared/contract.js';
import type { ChannelName, ServiceHandlers } from '../shared/contract.js';
import { ipcChannel } from '../shared/ipc-channel.js';

/**
 * Registers one `ipcMain.handle` per contract channel. Only frames showing our
 * own renderer may call in (Electron security checklist: validate the sender),
 * and arguments are parsed against the contract before a handler sees them.
 */
export function registerIpcHandlers(handlers: ServiceHandlers, rendererUrlPrefix: string): void {
  const isTrustedSender = (event: IpcMainInvokeEvent): boolean =>
    event.senderFrame?.url.startsWith(rendererUrlPrefix) ?? false;

  const register = (name: ChannelName): void => {
    // Any handler, whatever its parameters: the contract's schema checks the arguments.
    const handler: (...args: never[]) => unknown = handlers[name];
    ipcMain.handle(ipcChannel(name), (event, ...rawArgs: unknown[]) => {
      if (!isTrustedSender(event)) {
        throw new Error(`Refused IPC call "${name}" from an untrusted frame`);
      }
      return handler(...(serviceContract[name].args.parse(rawArgs) as never[]));
    });
  };
  channelNames.forEach(register);
}
