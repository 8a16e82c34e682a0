/**
 * The launch glue with `electron` mocked: the single-instance lock, later
 * launches' argv, macOS open-file before `ready`, the progress window's
 * options and its "Open Yonos" channel.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LaunchBatch } from '../launch/launch-batcher.js';

type Listener = (...args: unknown[]) => void;

const electron = vi.hoisted(() => ({
  lock: true,
  quit: vi.fn(),
  showErrorBox: vi.fn(),
  listeners: new Map<string, Listener>(),
  handlers: new Map<string, (...args: unknown[]) => unknown>(),
}));

vi.mock('electron', () => ({
  app: {
    requestSingleInstanceLock: vi.fn(() => electron.lock),
    quit: electron.quit,
    on: (name: string, listener: Listener) => electron.listeners.set(name, listener),
  },
  dialog: { showErrorBox: electron.showErrorBox, showOpenDialog: vi.fn() },
  ipcMain: {
    handle: (channel: string, handler: (...args: unknown[]) => unknown) =>
      electron.handlers.set(channel, handler),
  },
  shell: { showItemInFolder: vi.fn() },
}));

const { routeLaunches } = await import('./launch-routing.js');
const { batchWindowOptions, mainWindowOptions } = await import('./window.js');
const { registerOpenMainWindow } = await import('./desktop-ipc.js');

const realArgv = process.argv;
const quick = { quietMs: 20, maxWaitMs: 200 };

function emit(name: string, ...args: unknown[]): void {
  const listener = electron.listeners.get(name);
  if (listener === undefined) throw new Error(`no ${name} listener`);
  listener(...args);
}

function routing(backendReady: Promise<unknown> = Promise.resolve()) {
  const delivered: LaunchBatch[] = [];
  const showApp = vi.fn();
  const routed = routeLaunches({
    backendReady,
    deliver: (batch) => delivered.push(batch),
    showApp,
    batcher: quick,
  });
  return { routed, delivered, showApp };
}

beforeEach(() => {
  electron.lock = true;
  electron.listeners.clear();
  electron.handlers.clear();
  electron.quit.mockClear();
  electron.showErrorBox.mockClear();
  process.argv = ['/opt/Yonos/yonos'];
});

afterEach(() => {
  process.argv = realArgv;
});

describe('routeLaunches', () => {
  it('quits when another instance holds the lock, listening to nothing', () => {
    electron.lock = false;
    const { routed } = routing();
    expect(routed).toBeNull();
    expect(electron.quit).toHaveBeenCalledTimes(1);
    expect(electron.listeners.size).toBe(0);
  });

  it("batches later launches' argv, resolved against their working directory", async () => {
    const { routed, delivered } = routing();
    expect(routed?.first).toEqual({ kind: 'none' });
    // Two of the processes Windows starts for two selected files, switches reordered.
    emit(
      'second-instance',
      {},
      ['C:/Yonos/Yonos.exe', '--upscale=4', '--allow-file-access-from-files', '--', 'a.jpg'],
      '/home/ana/Fotos für Oma',
    );
    emit(
      'second-instance',
      {},
      ['C:/Yonos/Yonos.exe', '--upscale', '--original-process-start-time=1', '4', 'b.jpg'],
      '/home/ana/Fotos für Oma',
    );
    await vi.waitFor(() => {
      expect(delivered).toEqual([
        {
          kind: 'upscale',
          scale: 4,
          outDir: null,
          files: ['/home/ana/Fotos für Oma/a.jpg', '/home/ana/Fotos für Oma/b.jpg'],
        },
      ]);
    });
  });

  it("delivers the first process's own request", async () => {
    process.argv = ['/opt/Yonos/yonos', '--upscale=8', '--', '/tmp/a.jpg'];
    const { routed, delivered } = routing();
    expect(routed?.first).toEqual({
      kind: 'upscale',
      scale: 8,
      outDir: null,
      files: ['/tmp/a.jpg'],
    });
    await vi.waitFor(() => {
      expect(delivered).toEqual([routed?.first]);
    });
  });

  it('holds open-file events from before ready until the backend is', async () => {
    let ready: () => void = () => undefined;
    const { delivered } = routing(new Promise<void>((resolve) => (ready = resolve)));
    const event = { preventDefault: vi.fn() };
    emit('open-file', event, '/Users/ana/été 2024.jpg');
    expect(event.preventDefault).toHaveBeenCalled();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(delivered).toEqual([]);
    ready();
    await vi.waitFor(() => {
      expect(delivered).toEqual([{ kind: 'open', files: ['/Users/ana/été 2024.jpg'] }]);
    });
  });

  it('gathers launches from before the backend was ready into one batch, and says they are pending', async () => {
    process.argv = ['/opt/Yonos/yonos', '--upscale=4', '--', '/home/ana/a.jpg'];
    let ready: () => void = () => undefined;
    const { routed, delivered } = routing(new Promise<void>((resolve) => (ready = resolve)));
    // A slow start: more than the batching window passes before the backend is ready.
    await new Promise((resolve) => setTimeout(resolve, 3 * quick.quietMs));
    emit('second-instance', {}, ['/opt/Yonos/yonos', '--upscale=4', '--', 'b.jpg'], '/home/ana');
    expect(routed?.pending()).toBe(true);
    ready();
    await vi.waitFor(() => {
      expect(delivered).toHaveLength(1);
    });
    expect(delivered[0]).toEqual({
      kind: 'upscale',
      scale: 4,
      outDir: null,
      files: ['/home/ana/a.jpg', '/home/ana/b.jpg'],
    });
    expect(routed?.pending()).toBe(false);
  });

  it('shows the app for a plain second launch, and reports a wrong one', async () => {
    const { delivered, showApp } = routing();
    emit('second-instance', {}, ['/opt/Yonos/yonos', '--no-sandbox'], '/home/ana');
    await vi.waitFor(() => {
      expect(showApp).toHaveBeenCalledTimes(1);
    });
    emit('second-instance', {}, ['/opt/Yonos/yonos', '--upscale', '3', 'a.jpg'], '/home/ana');
    expect(electron.showErrorBox).toHaveBeenCalledWith(
      'Yonos: cannot do that',
      expect.stringContaining('--upscale takes 4 or 8'),
    );
    await vi.waitFor(() => {
      expect(showApp).toHaveBeenCalledTimes(2);
    });
    expect(delivered).toEqual([]);
  });
});

describe('the batch progress window', () => {
  it('is small, with the main window’s security settings', () => {
    const options = batchWindowOptions('/app/preload.cjs');
    expect(options).toMatchObject({ width: 420, height: 160, show: false });
    expect(options.webPreferences).toEqual(mainWindowOptions('/app/preload.cjs').webPreferences);
  });

  it('asks for the main window over a channel only trusted frames may call', () => {
    const open = vi.fn();
    registerOpenMainWindow((event) => (event as { ok?: boolean }).ok === true, open);
    const handler = electron.handlers.get('yonos-desktop:openMainWindow');
    expect(() => handler?.({ ok: false, sender: 'evil' })).toThrow(/untrusted/);
    handler?.({ ok: true, sender: 'progress window' });
    expect(open.mock.calls).toEqual([['progress window']]);
  });
});
