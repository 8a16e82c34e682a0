import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { channelNames } from '../../common/contract.js';
import type { ChannelName, ServiceHandlers, YonosEvents } from '../../common/contract.js';
import {
  BusyError,
  ConflictError,
  errorMessage,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  type ErrorKind,
  type IpcFailure,
} from '../../common/errors.js';
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
      try {
        const result = dispatch(handlers, name, rawArgs);
        return result instanceof Promise ? result.catch(ipcFailure) : result;
      } catch (error) {
        return ipcFailure(error);
      }
    });
  };
  channelNames.forEach(register);
}

/**
 * The IPC transport's one mapping of typed errors: a reply the preload turns
 * back into a ServiceError, since Electron would otherwise wrap the message in
 * "Error invoking remote method …".
 */
const errorKinds: [new (...args: never[]) => Error, ErrorKind][] = [
  [InvalidError, 'invalid'],
  [NotFoundError, 'not-found'],
  [ForbiddenError, 'forbidden'],
  [ConflictError, 'conflict'],
  [BusyError, 'busy'],
];

function ipcFailure(error: unknown): IpcFailure {
  const kind = errorKinds.find(([type]) => error instanceof type)?.[1] ?? 'internal';
  if (kind === 'internal') console.error('yonos: an IPC call failed:', error);
  return { yonosError: { kind, message: errorMessage(error) } };
}

/** Forwards every service event to the window until it is destroyed. */
export function forwardEvents(events: YonosEvents, contents: WebContents): void {
  const unsubscribe = events.subscribe((event) => {
    if (!contents.isDestroyed()) contents.send(eventChannel, event);
  });
  contents.once('destroyed', unsubscribe);
}
