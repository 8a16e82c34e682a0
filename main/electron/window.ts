/** The app window's security settings: isolated sandboxed renderer, strict CSP, no navigation. */
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { mediaScheme } from '../../common/desktop.js';

/** Scripts and styles from the app only; images also from thumbnails (data:) and the media protocol. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' data: blob: ${mediaScheme}:`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 840,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Yonos',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** The small progress window of a file-manager batch: the main window's security, less room. */
export function batchWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    ...mainWindowOptions(preloadPath),
    width: 420,
    height: 160,
    minWidth: 360,
    minHeight: 160,
    useContentSize: true,
    maximizable: false,
    fullscreenable: false,
    title: 'Yonos: upscaling',
  };
}

/** Sends the CSP as a header on every response of the window's session. */
export function applyContentSecurityPolicy(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [contentSecurityPolicy],
      },
    });
  });
  // The renderer needs no camera, microphone, notifications or the like.
  session.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
}

/**
 * The window only ever shows our renderer: navigation elsewhere, new windows
 * and webviews are refused; https links open in the user's browser.
 */
export function guardNavigation(contents: WebContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) openExternal(url);
    return { action: 'deny' };
  });
}
