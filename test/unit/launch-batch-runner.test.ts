/** What the desktop app does with launch batches, on a real backend with the windows faked. */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LaunchBatchRunner, type LaunchBatchHost } from '../../main/launch/launch-batch-runner.js';
import type { YonosApp } from '../../main/app/app.js';
import { createServices } from '../../main/app/services.js';
import { finishNextJob } from '../support/jobs.js';
import { writePhoto } from '../support/images.js';
import { tempApp, tempDir } from '../support/temp.js';

function fakeHost(libraryWindowOpen = false) {
  const launches = { waiting: false };
  return {
    launches,
    libraryWindowOpen: vi.fn(() => libraryWindowOpen),
    showLibraryWindow: vi.fn(),
    openProgressWindow: vi.fn(),
    warn: vi.fn(() => Promise.resolve()),
    launchesPending: vi.fn(() => launches.waiting),
    quit: vi.fn(),
  } satisfies LaunchBatchHost & { launches: { waiting: boolean } };
}

async function setUp(options: { quitWhenDone: boolean; libraryWindowOpen?: boolean }) {
  const app = await tempApp();
  const folder = await tempDir('yonos-launch-');
  const files = [
    await writePhoto(path.join(folder, 'Fotos für Oma', 'été 2024.jpg'), { seed: 1 }),
    await writePhoto(path.join(folder, 'b.jpg'), { seed: 2 }),
  ];
  const host = fakeHost(options.libraryWindowOpen);
  const runner = new LaunchBatchRunner(app, createServices(app), host, {
    quitWhenDone: options.quitWhenDone,
  });
  return { app, folder, files, host, runner };
}

/** Plays the runner's part: finishes every queued job, the first `failures` as failed. */
function finishAll(app: YonosApp, failures = 0): void {
  let finished = 0;
  while (finishNextJob(app, finished < failures ? 'failed' : 'done') !== null) finished++;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('LaunchBatchRunner', () => {
  it('queues an upscale batch with a progress window, and quits when it is over', async () => {
    const { app, folder, files, host, runner } = await setUp({ quitWhenDone: true });
    const out = path.join(folder, 'big');
    const running = runner.run({ kind: 'upscale', scale: 4, outDir: out, files });
    await vi.waitFor(() => {
      expect(host.openProgressWindow).toHaveBeenCalled();
    });
    const [batch] = app.queue.batches();
    expect(batch).toMatchObject({ label: 'Upscale ×4 (file manager)', counts: { queued: 2 } });
    expect(host.openProgressWindow).toHaveBeenCalledWith(batch?.id);
    expect(app.queue.list({ batchId: batch?.id ?? 0 }).map((job) => job.output)).toEqual([
      path.join(out, 'été 2024_x4.jpg'),
      path.join(out, 'b_x4.jpg'),
    ]);
    await settle();
    expect(host.quit).not.toHaveBeenCalled();

    finishAll(app);
    await running;
    expect(host.quit).toHaveBeenCalledTimes(1);
    expect(host.showLibraryWindow).not.toHaveBeenCalled();
  });

  it('waits for every batch under way before quitting', async () => {
    const { app, files, host, runner } = await setUp({ quitWhenDone: true });
    const first = runner.run({ kind: 'upscale', scale: 4, outDir: null, files: [files[0] ?? ''] });
    const second = runner.run({ kind: 'upscale', scale: 8, outDir: null, files: [files[1] ?? ''] });
    await vi.waitFor(() => {
      expect(host.openProgressWindow).toHaveBeenCalledTimes(2);
    });
    const job = app.queue.claimNext('cpu');
    app.queue.complete(job?.id ?? 0, {
      path: job?.output ?? '',
      modelId: 'm',
      width: 4,
      height: 4,
      format: 'jpeg',
    });
    await settle();
    expect(host.quit).not.toHaveBeenCalled();
    finishAll(app);
    await Promise.all([first, second]);
    expect(host.quit).toHaveBeenCalledTimes(1);
  });

  it('does not quit while a later launch is still being gathered', async () => {
    const { app, files, host, runner } = await setUp({ quitWhenDone: true });
    const first = runner.run({ kind: 'upscale', scale: 4, outDir: null, files: [files[0] ?? ''] });
    await vi.waitFor(() => {
      expect(host.openProgressWindow).toHaveBeenCalledTimes(1);
    });
    host.launches.waiting = true; // a second process handed over its file and exited
    finishAll(app);
    await first;
    expect(host.quit).not.toHaveBeenCalled();

    host.launches.waiting = false;
    const second = runner.run({ kind: 'upscale', scale: 4, outDir: null, files: [files[1] ?? ''] });
    await vi.waitFor(() => {
      expect(host.openProgressWindow).toHaveBeenCalledTimes(2);
    });
    finishAll(app);
    await second;
    expect(host.quit).toHaveBeenCalledTimes(1);
  });

  it('stays open after failures, so their errors can be read', async () => {
    const { app, files, host, runner } = await setUp({ quitWhenDone: true });
    const running = runner.run({ kind: 'upscale', scale: 4, outDir: null, files });
    await vi.waitFor(() => {
      expect(host.openProgressWindow).toHaveBeenCalled();
    });
    finishAll(app, 1);
    await running;
    expect(host.quit).not.toHaveBeenCalled();
    expect(runner.quitsWhenDone).toBe(true);
  });

  it('stays when the user opened the library window, and then opens no progress window', async () => {
    const { app, files, host, runner } = await setUp({ quitWhenDone: true });
    runner.stay();
    const running = runner.run({ kind: 'upscale', scale: 4, outDir: null, files });
    await vi.waitFor(() => {
      expect(app.queue.batches()).toHaveLength(1);
    });
    finishAll(app);
    await running;
    expect(host.quit).not.toHaveBeenCalled();

    const withLibrary = await setUp({ quitWhenDone: false, libraryWindowOpen: true });
    const next = withLibrary.runner.run({
      kind: 'upscale',
      scale: 4,
      outDir: null,
      files: withLibrary.files,
    });
    await vi.waitFor(() => {
      expect(withLibrary.app.queue.batches()).toHaveLength(1);
    });
    finishAll(withLibrary.app);
    await next;
    expect(withLibrary.host.openProgressWindow).not.toHaveBeenCalled();
    expect(withLibrary.host.quit).not.toHaveBeenCalled();
  });

  it('tells what could not be queued, and quits once that is read when nothing was', async () => {
    const { folder, host, runner } = await setUp({ quitWhenDone: true });
    const missing = path.join(folder, 'gone.jpg');
    await runner.run({ kind: 'upscale', scale: 4, outDir: null, files: [missing] });
    expect(host.warn).toHaveBeenCalledWith(
      'Some files could not be queued',
      expect.stringContaining(missing),
    );
    expect(host.openProgressWindow).not.toHaveBeenCalled();
    expect(host.quit).toHaveBeenCalledTimes(1);
  });

  it('imports files to open and shows the library window', async () => {
    const { app, files, host, runner } = await setUp({ quitWhenDone: false });
    await runner.run({ kind: 'open', files });
    expect(
      app.library
        .query({})
        .photos.map((photo) => photo.path)
        .sort(),
    ).toEqual([...files].sort());
    expect(host.showLibraryWindow).toHaveBeenCalledTimes(1);
    expect(host.warn).not.toHaveBeenCalled();
  });
});
