/** Electron main process: window, IPC and app lifecycle. Logic lives in framework-free folders. */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, session, shell, type IpcMainInvokeEvent } from 'electron';
import { DamagedDatabaseError, setAsideDamagedDatabase } from '../library/db.js';
import { YonosApp } from '../shared/app.js';
import { createServices } from '../shared/services.js';
import { registerDesktopHandlers } from './desktop-ipc.js';
import { forwardEvents, registerIpcHandlers } from './ipc.js';
import { handleMediaProtocol, registerMediaScheme } from './media-protocol.js';
import { installAppMenu } from './menu.js';
import { trackQueueProgress } from './taskbar.js';
import { applyContentSecurityPolicy, guardNavigation, mainWindowOptions } from './window.js';

// Bundled layout: dist/electron/{main.mjs,preload.cjs} next to dist/renderer/.
const bundleDir = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(bundleDir, '../renderer');
const preloadPath = path.join(bundleDir, 'preload.cjs');
const rendererUrlPrefix = pathToFileURL(rendererDir).href;

/**
 * Opens the library; when its database is damaged, offers the way out: set the
 * file aside (kept, never deleted) and start a fresh library, or quit.
 */
function openBackend(): YonosApp | null {
  try {
    return YonosApp.open();
  } catch (error) {
    if (!(error instanceof DamagedDatabaseError)) throw error;
    const choice = dialog.showMessageBoxSync({
      type: 'error',
      title: 'Yonos library damaged',
      message: 'The library database is damaged.',
      detail: `${error.file}\n\nYour photos and enhanced files are not affected. Yonos can set the damaged file aside (it is kept) and start a fresh library; import your folders again afterwards.`,
      buttons: ['Start a fresh library', 'Quit'],
      defaultId: 0,
      cancelId: 1,
    });
    if (choice !== 0) return null;
    setAsideDamagedDatabase(error.file);
    return YonosApp.open();
  }
}

let backend: YonosApp | null = null;
let mainWindow: BrowserWindow | null = null;

const isTrustedSender = (event: IpcMainInvokeEvent): boolean =>
  event.senderFrame?.url.startsWith(rendererUrlPrefix) ?? false;

function createMainWindow(current: YonosApp): void {
  const window = new BrowserWindow(mainWindowOptions(preloadPath));
  mainWindow = window;
  window.once('ready-to-show', () => {
    window.show();
  });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  guardNavigation(window.webContents, (url) => void shell.openExternal(url));
  forwardEvents(current.events, window.webContents);
  const stopTracking = trackQueueProgress(current.events, current.queue, window);
  window.once('closed', stopTracking);
  void window.loadFile(path.join(rendererDir, 'index.html'));
}

async function importFolders(current: YonosApp): Promise<void> {
  const options = {
    title: 'Import photos',
    properties: ['openDirectory', 'multiSelections'] as ('openDirectory' | 'multiSelections')[],
  };
  const result =
    mainWindow === null
      ? await dialog.showOpenDialog(options)
      : await dialog.showOpenDialog(mainWindow, options);
  if (!result.canceled) await current.library.importPaths(result.filePaths, true);
}

registerMediaScheme();

void app.whenReady().then(async () => {
  backend = openBackend();
  if (backend === null) {
    app.quit();
    return;
  }
  const current = backend;
  applyContentSecurityPolicy(session.defaultSession);
  handleMediaProtocol(current.db);
  registerIpcHandlers(createServices(current), rendererUrlPrefix);
  registerDesktopHandlers(current.db, () => mainWindow, isTrustedSender);
  installAppMenu({ importFolders: () => void importFolders(current) });
  await current.startBackground();
  createMainWindow(current);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(current);
  });
});

// The running job is interrupted and goes back to the queue (its partial output
// never lands: the engine renames into place only when done), the watchers stop
// and the database closes cleanly; the next start picks the job up again.
app.on('will-quit', (event) => {
  const closing = backend;
  if (closing === null) return;
  backend = null;
  event.preventDefault();
  void closing.close().finally(() => {
    app.quit();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
