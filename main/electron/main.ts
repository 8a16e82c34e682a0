/** Electron main process: window, IPC and app lifecycle. Logic lives in framework-free folders. */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  session,
  shell,
  type BrowserWindowConstructorOptions,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { LaunchBatchRunner } from '../launch/launch-batch-runner.js';
import { DamagedDatabaseError } from '../library/db.js';
import { recoverLibrary, RecoverRefusedError } from '../library/recover.js';
import { YonosApp } from '../app/app.js';
import { recordRunningApp } from '../integration/app-instance.js';
import type { ServiceHandlers } from '../../common/contract.js';
import { createServices } from '../app/services.js';
import {
  chooseImportFolders,
  registerDesktopHandlers,
  registerOpenMainWindow,
} from './desktop-ipc.js';
import { forwardEvents, registerIpcHandlers } from './ipc.js';
import { routeLaunches } from './launch-routing.js';
import { handleMediaProtocol, registerMediaScheme } from './media-protocol.js';
import { installAppMenu } from './menu.js';
import { utilityProbeLauncher } from './probe-launcher.js';
import { trackQueueProgress } from './taskbar.js';
import {
  applyContentSecurityPolicy,
  batchWindowOptions,
  guardNavigation,
  mainWindowOptions,
} from './window.js';

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
  // The right-click actions run the installed app; in development process.execPath
  // is the bare Electron binary, which can't start Yonos on its own.
  const options = {
    actionTargets: app.isPackaged ? { app: process.env.APPIMAGE ?? process.execPath } : {},
    processName: 'the Yonos app',
    probeLauncher: utilityProbeLauncher,
  };
  try {
    return YonosApp.open(options);
  } catch (error) {
    if (!(error instanceof DamagedDatabaseError)) throw error;
    const choice = dialog.showMessageBoxSync({
      type: 'error',
      title: 'Yonos library damaged',
      message: 'The library database is damaged.',
      detail: `${error.file}\n\nYour photos and enhanced files are not affected. Yonos can set the damaged file aside (it is kept) and go back to the newest daily backup, or start a fresh library; import your folders again afterwards.`,
      buttons: ['Recover the library', 'Quit'],
      defaultId: 0,
      cancelId: 1,
    });
    if (choice !== 0) return null;
    try {
      recoverLibrary(path.dirname(error.file));
    } catch (refused) {
      if (!(refused instanceof RecoverRefusedError)) throw refused;
      dialog.showErrorBox('Yonos library not recovered', refused.message);
      return null;
    }
    return YonosApp.open(options);
  }
}

let backend: YonosApp | null = null;
let mainWindow: BrowserWindow | null = null;
let launchBatches: LaunchBatchRunner | null = null;
let forgetRunningApp: (() => void) | null = null;

let markBackendReady: () => void = () => undefined;
const backendReady = new Promise<void>((resolve) => (markBackendReady = resolve));

const launches = routeLaunches({
  backendReady,
  deliver: (batch) => void launchBatches?.run(batch),
  showApp: () => {
    showMainWindow();
  },
});

const isTrustedSender = (event: IpcMainInvokeEvent): boolean =>
  event.senderFrame?.url.startsWith(rendererUrlPrefix) ?? false;

function openRendererWindow(
  current: YonosApp,
  options: BrowserWindowConstructorOptions,
  query: Record<string, string> = {},
): BrowserWindow {
  const window = new BrowserWindow(options);
  window.once('ready-to-show', () => {
    window.show();
  });
  guardNavigation(window.webContents, (url) => void shell.openExternal(url));
  forwardEvents(current.events, window.webContents);
  const stopTracking = trackQueueProgress(current.events, current.queue, window);
  window.once('closed', stopTracking);
  void window.loadFile(path.join(rendererDir, 'index.html'), { query });
  return window;
}

function createMainWindow(current: YonosApp): void {
  const window = openRendererWindow(current, mainWindowOptions(preloadPath));
  mainWindow = window;
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
}

function showMainWindow(): void {
  if (backend === null) return;
  launchBatches?.stay();
  if (mainWindow === null) {
    createMainWindow(backend);
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function launchBatchRunner(current: YonosApp, services: ServiceHandlers): LaunchBatchRunner {
  return new LaunchBatchRunner(
    current,
    services,
    {
      libraryWindowOpen: () => mainWindow !== null,
      showLibraryWindow: showMainWindow,
      openProgressWindow: (batchId) => {
        openRendererWindow(current, batchWindowOptions(preloadPath), {
          view: 'batch',
          batch: String(batchId),
        });
      },
      warn: async (message, detail) => {
        await dialog.showMessageBox({ type: 'warning', title: 'Yonos', message, detail });
      },
      launchesPending: () => launches?.pending() ?? false,
      quit: () => {
        app.quit();
      },
    },
    // Started from a file-manager upscale: a progress window, no library window.
    { quitWhenDone: launches?.first.kind === 'upscale' },
  );
}

async function importFolders(current: YonosApp): Promise<void> {
  const folders = await chooseImportFolders(mainWindow);
  if (folders.length > 0) await current.library.importPaths(folders, true);
}

/** "Open Yonos" in a progress window: the library window takes its place. */
function openMainWindowFrom(sender: WebContents): void {
  showMainWindow();
  const asking = BrowserWindow.fromWebContents(sender);
  if (asking !== null && asking !== mainWindow) asking.close();
}

// Without the single-instance lock, the running Yonos has our argv and this process quits.
if (launches !== null) registerMediaScheme();

void app.whenReady().then(async () => {
  if (launches === null) return;
  backend = openBackend();
  if (backend === null) {
    app.quit();
    return;
  }
  const current = backend;
  forgetRunningApp = recordRunningApp(current.dataDir);
  const services = createServices(current);
  launchBatches = launchBatchRunner(current, services);
  applyContentSecurityPolicy(session.defaultSession);
  handleMediaProtocol(current.db);
  registerIpcHandlers(services, rendererUrlPrefix);
  registerDesktopHandlers(current.db, () => mainWindow, isTrustedSender);
  registerOpenMainWindow(isTrustedSender, openMainWindowFrom);
  installAppMenu({ importFolders: () => void importFolders(current) });
  await current.startBackground();
  if (!launchBatches.quitsWhenDone) createMainWindow(current);
  markBackendReady();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) showMainWindow();
  });
});

// The running job is interrupted and goes back to the queue (its partial output
// never lands: the engine renames into place only when done), the watchers stop
// and the database closes cleanly; the next start picks the job up again.
app.on('will-quit', (event) => {
  forgetRunningApp?.();
  forgetRunningApp = null;
  const closing = backend;
  if (closing === null) return;
  backend = null;
  event.preventDefault();
  void closing.close().finally(() => {
    app.quit();
  });
});

app.on('window-all-closed', () => {
  // A start only for upscale batches has no app to stay in the dock for, on macOS either.
  if (process.platform !== 'darwin' || launchBatches?.quitsWhenDone === true) app.quit();
});
