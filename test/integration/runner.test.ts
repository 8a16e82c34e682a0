/** The job runner with the real engine on the tiny fixture models. */
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { YonosApp } from '../../main/app/app.js';
import { createServices } from '../../main/app/services.js';
import { writePhoto } from '../support/images.js';
import { waitFor } from '../support/wait.js';
import { abandon } from '../support/jobs.js';
import { must } from '../support/must.js';
import { fixtureModelsDir, onCleanup, tempApp, tempDir } from '../support/temp.js';

async function setup(count: number) {
  const app = await tempApp({ modelDirs: [fixtureModelsDir], pollMs: 50 });
  const folder = await tempDir();
  const files: string[] = [];
  for (let index = 0; index < count; index++) {
    files.push(
      await writePhoto(path.join(folder, `p${index}.jpg`), { seed: index, width: 24, height: 16 }),
    );
  }
  return { app, services: createServices(app), folder, files };
}

describe('the job runner', () => {
  it('upscales, records the version, and marks the job and photo done', async () => {
    const { app, services, files } = await setup(1);
    const [input = ''] = files;
    const { jobIds } = await services.jobsEnqueue({ inputs: [input], scale: 2, format: 'png' });
    await app.runner.runUntilIdle();

    const job = await services.jobsGet(jobIds[0] ?? 0);
    expect(job).toMatchObject({ state: 'done', progress: 1, attempts: 1, error: null });
    expect(job.settings.modelId).toBe('yonos-tiny-x2');
    expect(job.output).toBe(input.replace(/\.jpg$/, '_x2.png'));
    const metadata = await sharp(job.output).metadata();
    expect([metadata.width, metadata.height]).toEqual([48, 32]);
    const photo = await services.libraryPhoto(job.photoId ?? 0);
    expect(photo.status).toBe('enhanced');
    expect(photo.versions).toMatchObject([
      { path: job.output, jobId: job.id, scale: 2, width: 48, height: 32 },
    ]);
  });

  it('skips when the output exists, and goes on after a failure', async () => {
    const { app, services, folder, files } = await setup(2);
    const [skipMe = '', good = ''] = files;
    const existing = skipMe.replace(/\.jpg$/, '_x2.jpg');
    await writeFile(existing, 'already here');
    const broken = path.join(folder, 'broken.jpg');
    await copyFile(good, broken);

    const { jobIds } = await services.jobsEnqueue({
      inputs: [skipMe, broken, good],
      scale: 2,
      collision: 'skip',
    });
    await writeFile(broken, 'no longer a photo');
    await app.runner.runUntilIdle();

    const states = (await services.jobsList({})).map((job) => [job.id, job.state]);
    expect(states).toEqual([
      [jobIds[0], 'skipped'],
      [jobIds[1], 'failed'],
      [jobIds[2], 'done'],
    ]);
    expect(await readFile(existing, 'utf8')).toBe('already here');
    expect((await services.jobsGet(jobIds[1] ?? 0)).error).not.toBeNull();

    // A retried job runs again (and fails again here, since the file is still broken).
    await services.jobsRetry({});
    await app.runner.runUntilIdle();
    expect((await services.jobsGet(jobIds[1] ?? 0)).attempts).toBe(2);
  });

  it('"overwrite" replaces our own outputs but never anyone else’s; "increment" adds a number', async () => {
    const { app, services, files } = await setup(2);
    const [ours = '', theirs = ''] = files;
    await services.jobsEnqueue({ inputs: [ours], scale: 2 });
    await app.runner.runUntilIdle();
    const foreign = theirs.replace(/\.jpg$/, '_x2.jpg');
    await writeFile(foreign, 'not ours');

    const again = await services.jobsEnqueue({
      inputs: [ours, theirs],
      scale: 2,
      collision: 'overwrite',
    });
    const inc = await services.jobsEnqueue({ inputs: [ours], scale: 2, collision: 'increment' });
    await app.runner.runUntilIdle();

    const outputs = [...again.jobIds, ...inc.jobIds].map((id) => app.queue.get(id));
    expect(outputs.map((job) => [job.state, path.basename(job.output)])).toEqual([
      ['done', 'p0_x2.jpg'],
      ['done', 'p1_x2 (1).jpg'],
      ['done', 'p0_x2 (1).jpg'],
    ]);
    expect(await readFile(foreign, 'utf8')).toBe('not ours');
  });

  it('adopts an output a crashed attempt finished, and removes its partial files', async () => {
    const { app, services, files } = await setup(1);
    const [input = ''] = files;
    const { jobIds } = await services.jobsEnqueue({ inputs: [input], scale: 2 });
    // A previous process claimed the job, renamed its output into place, left a
    // stray temp file from an earlier write, and died before recording it.
    const claimed = must(app.queue.claimNext('auto'));
    abandon(app, claimed.id);
    const output = input.replace(/\.jpg$/, '_x2.jpg');
    app.queue.claimOutput(claimed.id, output, 'yonos-tiny-x2');
    await sharp({ create: { width: 48, height: 32, channels: 3, background: '#808080' } })
      .jpeg()
      .toFile(output);
    const stray = path.join(path.dirname(output), `.${path.basename(output)}.1234.part`);
    await writeFile(stray, 'half');

    await app.runner.runUntilIdle();
    const job = await services.jobsGet(jobIds[0] ?? 0);
    expect(job).toMatchObject({ state: 'done', attempts: 2, output });
    expect(existsSync(stray)).toBe(false);
    expect((await readdir(path.dirname(output))).sort()).toEqual(['p0.jpg', 'p0_x2.jpg']);
  });

  it('never writes an output another running job is writing; decides again when it is done', async () => {
    const { app, services, folder } = await setup(0);
    const out = await tempDir();
    // Two different photos named alike, both headed for out/same_x2.jpg.
    const first = await writePhoto(path.join(folder, 'a/same.jpg'), { seed: 1 });
    const second = await writePhoto(path.join(folder, 'b/same.jpg'), { seed: 2 });
    const firstBatch = await services.jobsEnqueue({ inputs: [first], scale: 2, outDir: out });
    const target = path.join(out, 'same_x2.jpg');
    // Another process on this library has started writing the first one.
    const other = YonosApp.open({ dataDir: app.dataDir });
    onCleanup(() => other.close());
    const writing = must(other.queue.claimNext('auto'));
    expect(writing.id).toBe(firstBatch.jobIds[0]);
    expect(other.queue.claimOutput(writing.id, target, 'yonos-tiny-x2')).toBe(true);
    const { jobIds } = await services.jobsEnqueue({
      inputs: [second],
      scale: 2,
      outDir: out,
      mirror: false,
      collision: 'skip',
    });

    const running = app.runner.runUntilIdle();
    await waitFor(() => app.queue.get(jobIds[0] ?? 0).state === 'running', 'the second job');
    expect(app.queue.claimOutput(jobIds[0] ?? 0, target, 'yonos-tiny-x2')).toBe(false);
    await writeFile(target, 'written by the other process');
    other.queue.complete(writing.id, {
      path: target,
      modelId: 'yonos-tiny-x2',
      width: 48,
      height: 32,
      format: 'jpg',
    });
    await running;

    expect(app.queue.get(jobIds[0] ?? 0)).toMatchObject({ state: 'skipped', output: target });
    expect(await readFile(target, 'utf8')).toBe('written by the other process');
    expect(await readdir(out)).toEqual(['same_x2.jpg']);
  });

  it('takes over a path claimed by a job whose process died, and that job then skips it', async () => {
    const { app, services, folder } = await setup(0);
    const out = await tempDir();
    const first = await writePhoto(path.join(folder, 'a/same.jpg'), { seed: 1 });
    const second = await writePhoto(path.join(folder, 'b/same.jpg'), { seed: 2 });
    const target = path.join(out, 'same_x2.jpg');
    const dead = await services.jobsEnqueue({
      inputs: [first],
      scale: 2,
      outDir: out,
      collision: 'skip',
    });
    const claimed = must(app.queue.claimNext('auto'));
    app.queue.claimOutput(claimed.id, target, 'yonos-tiny-x2');
    abandon(app, claimed.id);
    const live = await services.jobsEnqueue({
      inputs: [second],
      scale: 2,
      outDir: out,
      collision: 'skip',
    });
    // The live job runs first; the dead one is requeued meanwhile.
    app.db.prepare('UPDATE jobs SET priority = 9 WHERE id = ?').run(live.jobIds[0]);

    await app.runner.runUntilIdle();
    expect(app.queue.get(live.jobIds[0] ?? 0)).toMatchObject({ state: 'done', output: target });
    // Not "adopted": the file there is the other job's upscale of another photo.
    expect(app.queue.get(dead.jobIds[0] ?? 0)).toMatchObject({
      state: 'skipped',
      error: `${target} already exists`,
    });
    const photo = app.library.photo(must(app.queue.get(dead.jobIds[0] ?? 0).photoId));
    expect(photo.versions).toEqual([]);
  });

  it('cancels a running job: no output and no partial file', async () => {
    const app = await tempApp({ modelDirs: [fixtureModelsDir], pollMs: 50 });
    const services = createServices(app);
    const folder = await tempDir();
    const input = await writePhoto(path.join(folder, 'big.jpg'), { width: 200, height: 200 });
    const { jobIds } = await services.jobsEnqueue({ inputs: [input], scale: 2, tile: 32 });
    const cancelled = new Promise<void>((resolve) => {
      app.events.subscribe((event) => {
        if (event.type === 'jobProgress' && event.tilesDone > 0) {
          void Promise.resolve(services.jobsCancel({ ids: jobIds })).then(() => {
            resolve();
          });
        }
      });
    });
    await Promise.all([app.runner.runUntilIdle(), cancelled]);
    expect((await services.jobsGet(jobIds[0] ?? 0)).state).toBe('cancelled');
    expect(await readdir(folder)).toEqual(['big.jpg']);
  });
});
