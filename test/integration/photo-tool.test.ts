/**
 * The backend behind the photo-tool UI: time estimates from this machine's
 * measured speed, job details for the queue rows, "Clear finished", the folder
 * browser `yonos serve` offers instead of a native dialog, the devices
 * Settings offers on each platform, and the running job's progress sent to a
 * client as it (re)connects.
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { JobProgress, Speed } from '../../common/contract.js';
import { NotFoundError } from '../../common/errors.js';
import {
  browseFolder,
  crumbsOf,
  mediaMounts,
  resolveTypedPath,
} from '../../main/library/folder-browser.js';
import { startWebHost } from '../../main/server/web-host.js';
import { createServices } from '../../main/app/services.js';
import { deviceChoices } from '../../main/app/system-info.js';
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, onCleanup, tempApp, tempDir } from '../support/temp.js';

async function appWithPhotos(sizes: [number, number][]) {
  const app = await tempApp({ modelDirs: [fixtureModelsDir], threads: 1 });
  const folder = await tempDir();
  for (const [index, [width, height]] of sizes.entries()) {
    await writePhoto(path.join(folder, `p${index}.jpg`), { width, height, seed: index + 1 });
  }
  const services = createServices(app);
  const { photoIds } = await services.libraryImport({ paths: [folder] });
  return { app, services, photoIds, folder };
}

describe('time estimates', () => {
  it('are unknown before this machine has upscaled anything', async () => {
    const { services, photoIds } = await appWithPhotos([[40, 30]]);
    const estimate = await services.jobsEstimate({ photoIds, scale: 2 });
    expect(estimate).toMatchObject({ photos: 1, speed: null, estimatedMs: null });
    expect(estimate.outputMegapixels).toBeCloseTo((80 * 60) / 1e6);
  });

  it('scale each photo by its output megapixels at the measured speed', async () => {
    const { app, services, photoIds } = await appWithPhotos([
      [40, 30],
      [48, 32],
      [64, 48],
    ]);
    const [first, second, third] = photoIds as [number, number, number];
    await services.jobsEnqueue({ photoIds: [first, second], scale: 2 });
    await app.runner.runUntilIdle();

    const speed = app.estimates.speed(2);
    expect(speed?.basis).toBe('measured');
    const msPerMegapixel = speed?.msPerMegapixel ?? 0;
    expect(msPerMegapixel).toBeGreaterThan(0);
    const estimate = await services.jobsEstimate({ photoIds: [third], scale: 4 });
    // No ×4 job ran: the ×2 measurement stands in (the cost per output pixel barely depends on the scale).
    expect(estimate.estimatedMs).toBeCloseTo(((64 * 4 * 48 * 4) / 1e6) * msPerMegapixel);

    // Waiting jobs are estimated one by one; finished ones report their output.
    await services.jobsPause({});
    const { jobIds } = await services.jobsEnqueue({ photoIds: [third], scale: 2 });
    const all = await services.jobsList({});
    const details = await services.jobsDetails({ ids: all.map((job) => job.id) });
    const waiting = details.jobs.find((job) => job.id === jobIds[0]);
    expect(waiting).toMatchObject({ width: 128, height: 96, versionId: null });
    expect(waiting?.estimatedMs).toBeCloseTo(((128 * 96) / 1e6) * msPerMegapixel);
    const done = details.jobs.find((job) => job.id === all[0]?.id);
    expect(done).toMatchObject({ width: 80, height: 60, estimatedMs: null });
    expect(done?.versionId).toEqual(expect.any(Number));
  });

  it('measure on real-sized photos when there are, where fixed costs do not dominate', async () => {
    const { app, services, photoIds } = await appWithPhotos([
      [40, 30],
      [360, 240],
    ]);
    await services.jobsEnqueue({ photoIds, scale: 2 });
    await app.runner.runUntilIdle();
    const large = (await services.jobsList({})).find((job) => job.photoId === photoIds[1]);
    const ms = (large?.finishedAt ?? 0) - (large?.startedAt ?? 0);
    expect(app.estimates.speed(2)?.msPerMegapixel).toBeCloseTo(ms / ((720 * 480) / 1e6));
  });

  it('use the running job before any has finished', async () => {
    const { app, services, photoIds } = await appWithPhotos([[160, 120]]);
    await services.jobsEnqueue({ photoIds, scale: 2 });
    // Asked while the runner reports a tile: LiveProgress, subscribed first, has seen it.
    const seen = new Promise<Speed>((resolve) => {
      const unsubscribe = app.events.subscribe((event) => {
        if (event.type !== 'jobProgress' || event.etaMs === null || event.progress >= 1) return;
        unsubscribe();
        resolve(app.estimates.speed(2));
      });
    });
    app.runner.start();
    const speed = await seen;
    expect(speed?.basis).toBe('running');
    expect(speed?.msPerMegapixel).toBeGreaterThan(0);
  });
});

describe('the output folder of an upscale', () => {
  it('can be next to each photo although the settings name an output folder', async () => {
    const { services, photoIds, folder } = await appWithPhotos([[40, 30]]);
    await services.settingsSet({ outDir: await tempDir() });
    const { jobIds } = await services.jobsEnqueue({ photoIds, scale: 2, outDir: null });
    expect((await services.jobsGet(jobIds[0] ?? 0)).output).toBe(path.join(folder, 'p0_x2.jpg'));
  });
});

describe('photos that cannot be queued', () => {
  it('each say why, in plain words', async () => {
    const { services, photoIds, folder } = await appWithPhotos([
      [40, 30],
      [48, 32],
    ]);
    await rm(path.join(folder, 'p1.jpg'));
    const result = await services.jobsEnqueue({ photoIds, scale: 2 });
    expect(result.jobIds).toHaveLength(1);
    expect(result.failed).toEqual([
      {
        path: path.join(folder, 'p1.jpg'),
        error: 'no such file or folder',
      },
    ]);
  });
});

describe('Clear finished', () => {
  it('hides the finished jobs from then on and keeps the rest', async () => {
    const { app, services, photoIds } = await appWithPhotos([
      [40, 30],
      [48, 32],
    ]);
    expect(await services.jobsClearedBefore()).toBeNull();
    await services.jobsEnqueue({ photoIds: [photoIds[0] ?? 0], scale: 2 });
    await app.runner.runUntilIdle();
    await services.jobsPause({});
    await services.jobsEnqueue({ photoIds: [photoIds[1] ?? 0], scale: 2 });

    const cleared = await services.jobsClearFinished();
    expect(cleared.changed).toBe(1);
    expect(await services.jobsClearedBefore()).toBe(cleared.clearedBefore);
    // The jobs stay in the database: their history still measures this machine's speed.
    expect(await services.jobsList({})).toHaveLength(2);
    expect(app.estimates.speed(2)?.basis).toBe('measured');
    expect((await services.jobsClearFinished()).changed).toBe(0);
  });
});

describe('the folder browser', () => {
  it('lists subfolders in natural order, counts photos, and skips hidden ones', async () => {
    const root = await tempDir();
    for (const name of ['Trip 10', 'Trip 2', '.cache', 'Album']) {
      await mkdir(path.join(root, name));
    }
    await writePhoto(path.join(root, 'a.jpg'));
    await writePhoto(path.join(root, 'b.png'));
    await writeFile(path.join(root, 'notes.txt'), 'not a photo');
    await symlink(path.join(root, 'Album'), path.join(root, 'Linked album'));

    const listing = await browseFolder(root);
    expect(listing.folders.map((folder) => folder.name)).toEqual([
      'Album',
      'Linked album',
      'Trip 2',
      'Trip 10',
    ]);
    expect(listing.photos).toBe(2);
    expect(listing.parent).toBe(path.dirname(root));
    expect(listing.crumbs.at(-1)).toEqual({ name: path.basename(root), path: root });
    expect(listing.crumbs[0]?.path).toBe(path.parse(root).root);
  });

  it('says plainly when a folder is not there or is a file', async () => {
    const root = await tempDir();
    const file = await writePhoto(path.join(root, 'a.jpg'));
    await expect(browseFolder(path.join(root, 'gone'))).rejects.toThrow(
      `There is no folder at ${path.join(root, 'gone')}.`,
    );
    await expect(browseFolder(file)).rejects.toThrow(`${file} is a file, not a folder.`);
    // Typed, so HTTP answers 404 with the sentence rather than logging a 500.
    await expect(browseFolder(path.join(root, 'gone'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reads ~ as the home folder', () => {
    expect(resolveTypedPath('~', '/home/me')).toBe('/home/me');
    expect(resolveTypedPath('~/Pictures', '/home/me')).toBe('/home/me/Pictures');
    expect(resolveTypedPath('', '/home/me')).toBe('/home/me');
    expect(resolveTypedPath('/srv/photos ', '/home/me')).toBe('/srv/photos');
  });

  it('builds breadcrumbs from the root', () => {
    expect(crumbsOf('/home/me')).toEqual([
      { name: '/', path: '/' },
      { name: 'home', path: '/home' },
      { name: 'me', path: '/home/me' },
    ]);
  });

  it('finds removable drives among the mounts', () => {
    const table = [
      '/dev/sda1 / ext4 rw 0 0',
      'proc /proc proc rw 0 0',
      '/dev/sdb1 /media/me/CANON\\040EOS vfat rw 0 0',
      '/dev/sdc1 /mnt/archive ext4 rw 0 0',
    ].join('\n');
    expect(mediaMounts(table)).toEqual([
      { name: 'CANON EOS', path: '/media/me/CANON EOS' },
      { name: 'archive', path: '/mnt/archive' },
    ]);
  });

  it('offers home, recent import folders and the computer as places', async () => {
    const { services, folder } = await appWithPhotos([[40, 30]]);
    const places = await services.browsePlaces();
    expect(places.recent).toEqual([folder]);
    expect(places.home).not.toBe('');
    if (process.platform === 'linux')
      expect(places.mounts[0]).toEqual({ name: 'Computer', path: '/' });
  });
});

describe('device choices', () => {
  const detected = { auto: ['cpu'], cuda: false };
  const devices = (platform: NodeJS.Platform, arch = 'x64', found = detected) =>
    deviceChoices(platform, arch, found).map((choice) => choice.device);

  it('offer only what each platform can use', () => {
    expect(devices('linux')).toEqual(['auto', 'cuda', 'cpu']);
    expect(devices('linux', 'arm64')).toEqual(['auto', 'cpu']);
    expect(devices('win32', 'x64', { auto: ['dml', 'webgpu', 'cpu'], cuda: false })).toEqual([
      'auto',
      'cuda',
      'dml',
      'webgpu',
      'cpu',
    ]);
    expect(devices('darwin', 'arm64', { auto: ['coreml', 'webgpu', 'cpu'], cuda: false })).toEqual([
      'auto',
      'coreml',
      'webgpu',
      'cpu',
    ]);
  });

  it('say what CUDA needs when its provider is missing', () => {
    const cuda = deviceChoices('linux', 'x64', detected).find((choice) => choice.device === 'cuda');
    expect(cuda?.note).toContain('npm run gpu:cuda');
  });

  it('report the device in use once a job ran, and the photographer-first model card', async () => {
    const { app, services, photoIds } = await appWithPhotos([[40, 30]]);
    expect((await services.systemInfo()).device).toEqual({
      requested: 'auto',
      active: null,
      fallback: null,
    });
    await services.jobsEnqueue({ photoIds, scale: 2 });
    await app.runner.runUntilIdle();
    const info = await services.systemInfo();
    expect(info.device.active).toBe('cpu');
    const card = info.models.find((model) => model.id === 'yonos-tiny-x2');
    expect(card?.summary).toBe('Makes photos 2× wider and taller (4× the pixels).');
    expect(card?.goodAt.length).toBeGreaterThan(0);
    expect(card?.speed?.basis).toBe('measured');
  });
});

describe('progress on (re)connect', () => {
  it('sends the running job’s latest progress to a client as it connects', async () => {
    const app = await tempApp();
    const rendererDir = await tempDir();
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html>');
    const host = await startWebHost({
      rendererDir,
      services: createServices(app),
      events: app.events,
      currentEvents: () => app.progress.snapshot(),
      token: 't',
    });
    onCleanup(() => host.close());
    const progress: JobProgress = {
      type: 'jobProgress',
      jobId: 7,
      progress: 0.25,
      tilesDone: 1,
      tilesTotal: 4,
      etaMs: 3000,
    };
    app.events.emit(progress);

    const socket = new WebSocket(`${host.origin.replace('http', 'ws')}/api/events?token=t`);
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data: Buffer) => {
        resolve(data.toString());
      });
      socket.once('error', reject);
    });
    socket.close();
    expect(JSON.parse(first)).toEqual(progress);
  });
});
