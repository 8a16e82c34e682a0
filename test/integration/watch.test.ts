/**
 * Watch folders on real filesystem events. Where a test must show that
 * something did NOT happen, it drops a sentinel photo afterwards and waits for
 * that: the watcher handles files in event order, so once the sentinel is
 * queued, everything before it has been decided.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { YonosApp } from '../../main/app/app.js';
import { photoBuffer, writePhoto } from '../support/images.js';
import { fixtureModelsDir, onCleanup, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const stabilityMs = 1000;

function openApp(dataDir: string): YonosApp {
  const app = YonosApp.open({
    dataDir,
    modelDirs: [fixtureModelsDir],
    watchStabilityMs: stabilityMs,
    pollMs: 50,
  });
  onCleanup(() => app.close());
  return app;
}

function jobInputs(app: YonosApp): string[] {
  return app.queue.list({ limit: 1000 }).map((job) => path.basename(job.input));
}

async function dropSentinel(app: YonosApp, folder: string, name = 'sentinel.jpg'): Promise<void> {
  await writePhoto(path.join(folder, name), { seed: 999 });
  await waitFor(() => jobInputs(app).includes(name), `${name} to be queued`);
}

describe('watch folders', { timeout: 60_000 }, () => {
  it('processes a file written slowly in chunks once, after it is complete', async () => {
    const app = openApp(await tempDir());
    const folder = await tempDir();
    await app.watches.add({ path: folder, scale: 2 });

    const bytes = await photoBuffer({ width: 160, height: 120, seed: 3 });
    const file = path.join(folder, 'slow.jpg');
    const handle = await open(file, 'w');
    const chunks = 8;
    const chunkSize = Math.ceil(bytes.length / chunks);
    for (let offset = 0; offset < bytes.length; offset += chunkSize) {
      await handle.write(bytes.subarray(offset, offset + chunkSize));
      await handle.sync();
      expect(app.queue.list({}), 'nothing is queued while the file is being written').toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await handle.close();

    await waitFor(() => app.queue.list({}).length > 0, 'the file to be queued');
    await dropSentinel(app, folder);
    const [job] = app.queue.list({});
    expect(jobInputs(app)).toEqual(['slow.jpg', 'sentinel.jpg']);
    const photo = app.library.photo(job?.photoId ?? 0);
    expect(photo.hash).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(photo.bytes).toBe(bytes.length);
  });

  it.each([
    ['an output folder inside the watched folder', 'enhanced'],
    ['outputs written next to the photos', null],
  ])('does not loop with %s', async (_case, outName) => {
    const app = openApp(await tempDir());
    const folder = await tempDir();
    const outDir = outName === null ? undefined : path.join(folder, outName);
    await app.watches.add({
      path: folder,
      scale: 2,
      recursive: true,
      ...(outDir ? { outDir } : {}),
    });
    app.runner.start();

    await writePhoto(path.join(folder, 'photo.jpg'), { seed: 1 });
    const done = await waitFor(
      () => app.queue.list({ state: 'done' })[0],
      'the photo to be upscaled',
    );
    expect(path.dirname(done.output)).toBe(outDir ?? folder);
    app.queue.pause({});
    await dropSentinel(app, folder);
    expect(jobInputs(app)).toEqual(['photo.jpg', 'sentinel.jpg']);
  });

  it('picks up files dropped while it was not running, and only those', async () => {
    const dataDir = await tempDir();
    const folder = await tempDir();
    const first = openApp(dataDir);
    await first.watches.add({ path: folder, scale: 2 });
    await writePhoto(path.join(folder, 'before.jpg'), { seed: 1 });
    await waitFor(() => jobInputs(first).includes('before.jpg'), 'before.jpg to be queued');
    await first.close();

    await writePhoto(path.join(folder, 'while-closed.jpg'), { seed: 2 });
    const second = openApp(dataDir);
    await second.watches.startAll();
    await waitFor(() => jobInputs(second).includes('while-closed.jpg'), 'the catch-up scan');
    await dropSentinel(second, folder);
    expect(jobInputs(second).sort()).toEqual(['before.jpg', 'sentinel.jpg', 'while-closed.jpg']);
  });

  it('catches up after a pause, too', async () => {
    const app = openApp(await tempDir());
    const folder = await tempDir();
    const watch = await app.watches.add({ path: folder, scale: 2 });
    await app.watches.pause(watch.id);
    expect(app.watches.list()[0]?.paused).toBe(true);
    await writePhoto(path.join(folder, 'during-pause.jpg'), { seed: 4 });
    await app.watches.resume(watch.id);
    await waitFor(() => jobInputs(app).includes('during-pause.jpg'), 'the file from the pause');
  });

  it('ignores temp, hidden and sidecar files', async () => {
    const app = openApp(await tempDir());
    const folder = await tempDir();
    await app.watches.add({ path: folder, scale: 2, recursive: true });
    const photo = await photoBuffer({ seed: 5 });
    const ignored = [
      'download.jpg.part',
      'download.jpg.crdownload',
      '~$draft.jpg',
      '.DS_Store',
      'Thumbs.db',
      '._photo.jpg',
      '.hidden.jpg',
      '.cache/inside-hidden-folder.jpg',
      'notes.txt',
    ];
    for (const name of ignored) {
      await mkdir(path.join(folder, path.dirname(name)), { recursive: true });
      await writeFile(path.join(folder, name), photo);
    }
    await dropSentinel(app, folder);
    expect(jobInputs(app)).toEqual(['sentinel.jpg']);
    expect(await readFile(path.join(folder, '.DS_Store'))).toEqual(photo);
  });

  it('runs in one backend per data directory; another one starts without them, and can take over', async () => {
    const dataDir = await tempDir();
    const folder = await tempDir();
    const first = openApp(dataDir);
    const watch = await first.watches.add({ path: folder, scale: 2 });
    const second = openApp(dataDir);
    await expect(second.watches.resume(watch.id)).rejects.toThrow(
      /already run by Yonos \(pid \d+\); only one process runs them at a time/,
    );
    // The long-running mode goes on without them rather than failing.
    await second.startBackground();
    expect([first.watches.isActive(watch.id), second.watches.isActive(watch.id)]).toEqual([
      true,
      false,
    ]);

    await first.watches.stopAll();
    await second.watches.resume(watch.id);
    expect(second.watches.isActive(watch.id)).toBe(true);
    await dropSentinel(second, folder);
  });
});
