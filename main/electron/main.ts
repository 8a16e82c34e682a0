/** Electron main process: window, IPC and app lifecycle. Logic lives in framework-free folders. */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, shell } from 'electron';
import { DamagedDatabaseError, setAsideDamagedDatabase } from '../library/db.js';
import { YonosApp } from '../shared/app.js';
import { createServices } from '../shared/services.js';
import { forwardEvents, registerIpcHandlers } from './ipc.js';

// Bundled layout: dist/electron/{main.mjs,preload.cjs} next to dist/renderer/.
const bundleDir = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(bundleDir, '../renderer');
const preloadPath = path.join(bundleDir, 'preload.cjs');

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

function createMainWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 840,
    show: false,
    title: 'Yonos',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  window.once('ready-to-show', () => {
    window.show();
  });
  // The app window only ever shows our renderer; links open in the user's browser.
  window.webContents.on('will-navigate', (event) => {
    event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (backend !== null) forwardEvents(backend.events, window.webContents);
  void window.loadFile(path.join(rendererDir, 'index.html'));
}

void app.whenReady().then(async () => {
  backend = openBackend();
  if (backend === null) {
    app.quit();
    return;
  }
  registerIpcHandlers(createServices(backend), pathToFileURL(rendererDir).href);
  await backend.startBackground();
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
});

// Interrupted jobs go back to the queue; the next start picks them up.
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
