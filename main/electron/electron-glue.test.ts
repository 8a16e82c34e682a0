/**
 * The Electron glue with `electron` mocked at that boundary only: the window's
 * security settings and guards, the CSP header, the media protocol's checks,
 * the IPC registration and the taskbar progress.
 */
import { readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writePhoto } from '../../test/support/images.js';
import { tempApp, tempDir } from '../../test/support/temp.js';
import { ipcChannelNames } from './ipc-channel.js';
import { createServices } from '../app/services.js';

const electron = vi.hoisted(() => ({
  handlers: new Map<string, (...args: unknown[]) => unknown>(),
  protocolHandlers: new Map<string, (request: { url: string }) => unknown>(),
  notifications: [] as { title: string; body: string }[],
}));

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: (...args: unknown[]) => unknown) =>
      electron.handlers.set(channel, handler),
  },
  protocol: {
    registerSchemesAsPrivileged: vi.fn(),
    handle: (scheme: string, handler: (request: { url: string }) => unknown) =>
      electron.protocolHandlers.set(scheme, handler),
  },
  dialog: { showOpenDialog: vi.fn() },
  shell: { showItemInFolder: vi.fn() },
  Notification: class {
    static isSupported = () => true;
    constructor(private readonly options: { title: string; body: string }) {}
    show() {
      electron.notifications.push(this.options);
    }
  },
}));

const { registerIpcHandlers } = await import('./ipc.js');
const { applyContentSecurityPolicy, contentSecurityPolicy, guardNavigation, mainWindowOptions } =
  await import('./window.js');
const { handleMediaProtocol, openMediaImage } = await import('./media-protocol.js');
const { registerDesktopHandlers } = await import('./desktop-ipc.js');
const { isKnownFile } = await import('../library/image-access.js');
const { trackQueueProgress } = await import('./taskbar.js');

beforeEach(() => {
  electron.handlers.clear();
  electron.protocolHandlers.clear();
  electron.notifications.length = 0;
});

describe('the main window', () => {
  it('isolates and sandboxes the renderer, without Node', () => {
    const { webPreferences } = mainWindowOptions('/app/preload.cjs');
    expect(webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('sends a strict CSP header and refuses permission requests', () => {
    let onHeaders: ((details: object, callback: (response: object) => void) => void) | undefined;
    let onPermission: ((...args: unknown[]) => void) | undefined;
    const session = {
      webRequest: { onHeadersReceived: (listener: typeof onHeaders) => (onHeaders = listener) },
      setPermissionRequestHandler: (handler: typeof onPermission) => (onPermission = handler),
    };
    applyContentSecurityPolicy(session as never);
    const response = vi.fn();
    onHeaders?.({ responseHeaders: { 'X-Other': ['1'] } }, response);
    expect(response).toHaveBeenCalledWith({
      responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [contentSecurityPolicy] },
    });
    expect(contentSecurityPolicy).toContain("script-src 'self'");
    expect(contentSecurityPolicy).not.toContain('unsafe');
    const allow = vi.fn();
    onPermission?.(null, 'media', allow);
    expect(allow).toHaveBeenCalledWith(false);
  });

  it('blocks navigation, webviews and new windows', () => {
    const listeners = new Map<string, (event: { preventDefault: () => void }) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, listener: (event: { preventDefault: () => void }) => void) =>
        listeners.set(name, listener),
      setWindowOpenHandler: (handler: typeof openHandler) => (openHandler = handler),
    };
    const openExternal = vi.fn();
    guardNavigation(contents as never, openExternal);
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      listeners.get(name)?.(event);
      expect(event.preventDefault).toHaveBeenCalled();
    }
    expect(openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://example.org/');
    expect(openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
  });
});

describe('IPC registration', () => {
  it('registers one handler per channel and refuses untrusted frames', async () => {
    const app = await tempApp();
    registerIpcHandlers(createServices(app), 'file:///app/renderer');
    expect([...electron.handlers.keys()]).toEqual(ipcChannelNames.map((name) => `yonos:${name}`));
    const health = electron.handlers.get('yonos:health');
    expect(() => health?.({ senderFrame: { url: 'https://evil.example/' } })).toThrow(/untrusted/);
    expect(health?.({ senderFrame: { url: 'file:///app/renderer/index.html' } })).toMatchObject({
      status: 'ok',
    });
    // Arguments are checked against the contract; a typed error comes back as its kind.
    const trusted = { senderFrame: { url: 'file:///app/renderer/index.html' } };
    const photo = electron.handlers.get('yonos:libraryPhoto');
    expect(photo?.(trusted, 'x')).toMatchObject({ yonosError: { kind: 'invalid' } });
    expect(await photo?.(trusted, 999)).toEqual({
      yonosError: { kind: 'not-found', message: 'Photo 999 not found' },
    });
  });

  it('reveals only library files, for trusted frames', async () => {
    const app = await tempApp();
    const folder = await tempDir();
    const file = await writePhoto(path.join(folder, 'a.jpg'));
    await createServices(app).libraryImport({ paths: [file] });
    registerDesktopHandlers(
      app.db,
      () => null,
      (event) => (event as { ok?: boolean }).ok === true,
    );
    const reveal = electron.handlers.get('yonos-desktop:showInFolder');
    expect(isKnownFile(app.db, file)).toBe(true);
    expect(() => reveal?.({ ok: true }, '/etc/passwd')).toThrow(/Not a library file/);
    expect(() => reveal?.({ ok: false }, file)).toThrow(/untrusted/);
    reveal?.({ ok: true }, file);
    const { shell } = await import('electron');
    expect(vi.mocked(shell).showItemInFolder.mock.calls).toEqual([[file]]);
  });

  it('picks an ONNX model file natively, for trusted frames', async () => {
    const app = await tempApp();
    registerDesktopHandlers(
      app.db,
      () => null,
      (event) => (event as { ok?: boolean }).ok === true,
    );
    const { dialog } = await import('electron');
    vi.mocked(dialog)
      .showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/models/mine.onnx'] })
      .mockResolvedValueOnce({ canceled: true, filePaths: [] });
    const choose = electron.handlers.get('yonos-desktop:chooseModelFile');
    expect(() => choose?.({ ok: false })).toThrow(/untrusted/);
    expect(await choose?.({ ok: true })).toBe('/models/mine.onnx');
    expect(await choose?.({ ok: true })).toBeNull();
    expect(vi.mocked(dialog).showOpenDialog.mock.calls[0]?.[0]).toMatchObject({
      properties: ['openFile'],
      filters: [{ extensions: ['onnx'] }],
    });
  });
});

describe('the media protocol', () => {
  type MediaHandler = (request: { url: string }) => Promise<Response>;

  async function servedBy(handler: MediaHandler | undefined, url: string): Promise<Response> {
    if (handler === undefined) throw new Error('no media handler registered');
    return handler({ url });
  }

  it('serves library photos only, by id, from allowed roots', async () => {
    const app = await tempApp();
    const folder = await tempDir();
    const file = await writePhoto(path.join(folder, 'a.jpg'));
    const [id] = (await createServices(app).libraryImport({ paths: [file] })).photoIds;
    handleMediaProtocol(app.db);
    const handler = electron.protocolHandlers.get('yonos-media') as MediaHandler | undefined;

    const served = await servedBy(handler, `yonos-media://photo/${id ?? 0}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(await readFile(file));
    for (const refused of [
      'yonos-media://photo/999',
      'yonos-media://version/1',
      'yonos-media://photo/..%2F..%2Fetc%2Fpasswd',
    ]) {
      expect((await servedBy(handler, refused)).status, refused).toBe(404);
    }
    expect(await openMediaImage(app.db, `file://${file}`)).toBeNull();
  });

  it('refuses a photo replaced by a link that leaves the roots', async () => {
    const app = await tempApp();
    const folder = await tempDir();
    const file = await writePhoto(path.join(folder, 'a.jpg'));
    const secret = await writePhoto(path.join(await tempDir(), 'secret.jpg'), { seed: 9 });
    const [id] = (await createServices(app).libraryImport({ paths: [file] })).photoIds;
    await rm(file);
    await symlink(secret, file);
    handleMediaProtocol(app.db);
    const handler = electron.protocolHandlers.get('yonos-media') as MediaHandler | undefined;
    expect((await servedBy(handler, `yonos-media://photo/${id ?? 0}`)).status).toBe(404);
  });
});

describe('taskbar progress', () => {
  it('follows tile progress and notifies when the work is done', async () => {
    const app = await tempApp();
    const window = { isDestroyed: () => false, setProgressBar: vi.fn() };
    const stop = trackQueueProgress(app.events, app.queue, window as never);
    app.events.emit({
      type: 'jobProgress',
      jobId: 1,
      progress: 0.5,
      tilesDone: 1,
      tilesTotal: 2,
      etaMs: 10,
    });
    expect(window.setProgressBar).toHaveBeenLastCalledWith(0.5);
    const job = {
      id: 1,
      batchId: 1,
      photoId: null,
      input: '/a.jpg',
      output: '/a_x4.jpg',
      settings: {
        modelId: null,
        scale: 4 as const,
        steps: null,
        tile: null,
        format: null,
        quality: null,
        template: '{name}_x{scale}',
        collision: 'skip' as const,
        outDir: null,
        sourceRoot: null,
      },
      device: 'auto' as const,
      priority: 0,
      state: 'done' as const,
      progress: 1,
      attempts: 1,
      error: null,
      createdAt: 0,
      startedAt: 0,
      finishedAt: 1,
    };
    app.events.emit({ type: 'job', job });
    expect(window.setProgressBar).toHaveBeenLastCalledWith(-1);
    expect(electron.notifications).toEqual([
      { title: 'Yonos: batch finished', body: '1 photo(s) enhanced.' },
    ]);
    stop();
  });
});
