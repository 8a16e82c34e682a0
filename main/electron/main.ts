/** Electron main process: window, IPC and app lifecycle. Logic lives in framework-free folders. */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, shell } from 'electron';
import { createServices } from '../shared/services.js';
import { registerIpcHandlers } from './ipc.js';

// Bundled layout: dist/electron/{main.mjs,preload.cjs} next to dist/renderer/.
const bundleDir = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(bundleDir, '../renderer');
const preloadPath = path.join(bundleDir, 'preload.cjs');

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
  void window.loadFile(path.join(rendererDir, 'index.html'));
}

void app.whenReady().then(() => {
  registerIpcHandlers(createServices(), pathToFileURL(rendererDir).href);
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
