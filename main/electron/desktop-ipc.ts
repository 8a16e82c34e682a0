/** The main-process side of DesktopApi: native folder picker, "Show in folder", "Open Yonos". */
import {
  dialog,
  ipcMain,
  shell,
  type BrowserWindow,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import type { Db } from '../library/db.js';
import { isKnownFile } from '../library/image-access.js';
import { desktopChannels } from '../../common/desktop.js';

/** The native folder picker for importing (the renderer's button and the File menu); [] when cancelled. */
export async function chooseImportFolders(owner: BrowserWindow | null): Promise<string[]> {
  const options = {
    title: 'Import photos',
    properties: ['openDirectory', 'multiSelections'] as ('openDirectory' | 'multiSelections')[],
  };
  const result =
    owner === null
      ? await dialog.showOpenDialog(options)
      : await dialog.showOpenDialog(owner, options);
  return result.canceled ? [] : result.filePaths;
}

/** The native file picker for an ONNX model to add; null when cancelled. */
export async function chooseModelFile(owner: BrowserWindow | null): Promise<string | null> {
  const options = {
    title: 'Add a model',
    filters: [{ name: 'ONNX models', extensions: ['onnx'] }],
    properties: ['openFile'] as 'openFile'[],
  };
  const result =
    owner === null
      ? await dialog.showOpenDialog(options)
      : await dialog.showOpenDialog(owner, options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

export function registerDesktopHandlers(
  db: Db,
  window: () => BrowserWindow | null,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
): void {
  ipcMain.handle(desktopChannels.chooseFolders, (event) => {
    if (!isTrustedSender(event)) throw new Error('Refused call from an untrusted frame');
    return chooseImportFolders(window());
  });
  ipcMain.handle(desktopChannels.chooseModelFile, (event) => {
    if (!isTrustedSender(event)) throw new Error('Refused call from an untrusted frame');
    return chooseModelFile(window());
  });
  ipcMain.handle(desktopChannels.showInFolder, (event, file: unknown) => {
    if (!isTrustedSender(event)) throw new Error('Refused call from an untrusted frame');
    if (typeof file !== 'string' || !isKnownFile(db, file)) throw new Error('Not a library file');
    shell.showItemInFolder(file);
  });
}

/** "Open Yonos" in a batch progress window; `open` gets the asking window's contents. */
export function registerOpenMainWindow(
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  open: (sender: WebContents) => void,
): void {
  ipcMain.handle(desktopChannels.openMainWindow, (event) => {
    if (!isTrustedSender(event)) throw new Error('Refused call from an untrusted frame');
    open(event.sender);
  });
}
