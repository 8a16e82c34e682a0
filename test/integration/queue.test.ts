/** The persisted queue without inference: states, priorities, user actions, crash recovery bookkeeping. */
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../main/app/services.js';
import type { ServiceEvent } from '../../common/contract.js';
import { YonosApp } from '../../main/app/app.js';
import { ownerIsAlive } from '../../main/library/data-dir-users.js';
import { NamedLeases } from '../../main/library/leases.js';
import { writePhoto } from '../support/images.js';
import { abandon } from '../support/jobs.js';
import { must } from '../support/must.js';
import { onCleanup, tempApp, tempDir } from '../support/temp.js';

async function appWithPhotos(count: number) {
  const app = await tempApp();
  const folder = await tempDir();
  const files: string[] = [];
  for (let index = 0; index < count; index++) {
    files.push(await writePhoto(path.join(folder, `p${index}.jpg`), { seed: index }));
  }
  return { app, services: createServices(app), folder, files };
}

describe('enqueueing', () => {
  it('makes one batch per action, with a settings snapshot and a planned output per photo', async () => {
    const { app, services, folder, files } = await appWithPhotos(2);
    const out = await tempDir();
    const result = await services.jobsEnqueue({
      inputs: [folder],
      scale: 4,
      format: 'png',
      outDir: out,
      steps: 2,
      label: 'holiday',
    });
    expect(result.jobIds).toHaveLength(2);
    const jobs = app.queue.list({ batchId: result.batchId });
    expect(jobs.map((job) => [job.input, job.output, job.state])).toEqual(
      files.map((file) => [
        file,
        path.join(out, `${path.basename(file, '.jpg')}_x4.png`),
        'queued',
      ]),
    );
    expect(jobs[0]?.settings).toEqual({
      modelId: null,
      scale: 4,
      steps: 2,
      tile: null,
      format: 'png',
      quality: null,
      template: '{name}_x{scale}',
      collision: 'increment',
      outDir: out,
      sourceRoot: folder,
    });
    expect(app.queue.batches()[0]).toMatchObject({ label: 'holiday', counts: { queued: 2 } });
    // The photos are in the library now, marked as queued.
    expect(app.library.query({ status: 'queued' }).photos).toHaveLength(2);
  });

  it('mirrors subfolders under the output folder for recursive batches', async () => {
    const { services, folder } = await appWithPhotos(0);
    await writePhoto(path.join(folder, 'a/b/deep.jpg'));
    const out = await tempDir();
    const { jobIds } = await services.jobsEnqueue({
      inputs: [folder],
      recursive: true,
      scale: 2,
      outDir: out,
    });
    const job = await services.jobsGet(jobIds[0] ?? 0);
    expect(job.output).toBe(path.join(out, 'a/b/deep_x2.jpg'));
  });

  it('reports inputs it cannot queue and queues the rest', async () => {
    const { services, files } = await appWithPhotos(1);
    const result = await services.jobsEnqueue({
      inputs: [files[0] ?? '', '/no/such/photo.jpg'],
      scale: 2,
    });
    expect(result.jobIds).toHaveLength(1);
    expect(result.failed.map((failure) => failure.path)).toEqual(['/no/such/photo.jpg']);
  });
});

describe('named leases', () => {
  it('let one backend at a time hold one, named to the others, until it leaves or is gone', async () => {
    const app = await tempApp({ processName: 'yonos serve' });
    const other = YonosApp.open({ dataDir: app.dataDir, processName: 'yonos watch' });
    onCleanup(() => other.close());
    const leases = (backend: YonosApp) =>
      new NamedLeases(backend.db, backend.owner, (id) => ownerIsAlive(backend.dataDir, id));
    expect(leases(app).acquire('thing')).toBe(true);
    expect(leases(app).acquire('thing')).toBe(true);
    expect(leases(other).acquire('thing')).toBe(false);
    expect(leases(other).holder('thing')).toBe(`yonos serve (pid ${process.pid})`);
    leases(app).release('thing');
    expect(leases(other).acquire('thing')).toBe(true);
    // The holder's process ends without a word: its lease is free at once.
    other.db.prepare("UPDATE leases SET owner = 'gone-process'").run();
    expect(leases(app).holder('thing')).toBeNull();
    expect(leases(app).acquire('thing')).toBe(true);
  });
});

describe('duplicate work', () => {
  it('leaves out a job whose work is already queued, by content, settings and destination', async () => {
    const { app, services, folder, files } = await appWithPhotos(2);
    const first = await services.jobsEnqueue({ inputs: [folder], scale: 2 });
    // Another backend on the same data directory asks for the same again.
    const other = YonosApp.open({ dataDir: app.dataDir });
    onCleanup(() => other.close());
    const again = await createServices(other).jobsEnqueue({ inputs: [folder], scale: 2 });
    expect(again.jobIds).toEqual([]);
    expect(again.duplicates).toEqual(
      files.map((file, index) => ({ path: file, jobId: first.jobIds[index] })),
    );

    // Other settings, or a copy elsewhere (its own output), are other work.
    const copy = path.join(await tempDir(), 'copy.jpg');
    await copyFile(files[0] ?? '', copy);
    const different = await services.jobsEnqueue({ inputs: [files[0] ?? '', copy], scale: 4 });
    const elsewhere = await services.jobsEnqueue({ inputs: [copy], scale: 2 });
    expect([different.jobIds.length, elsewhere.jobIds.length]).toEqual([2, 1]);

    // Once the work is done, asking again queues it again.
    app.queue.cancel({ ids: first.jobIds });
    const later = await services.jobsEnqueue({ inputs: [folder], scale: 2 });
    expect(later).toMatchObject({ duplicates: [] });
    expect(later.jobIds).toHaveLength(2);
  });
});

describe('claiming', () => {
  it('takes the highest priority first, then the oldest, one at a time', async () => {
    const { app, services, files } = await appWithPhotos(3);
    const low = await services.jobsEnqueue({ inputs: [files[0] ?? ''], scale: 2 });
    const high = await services.jobsEnqueue({
      inputs: [files[1] ?? '', files[2] ?? ''],
      scale: 2,
      priority: 5,
    });
    const order = [];
    for (
      let claim = app.queue.claimNext('cpu');
      claim !== null;
      claim = app.queue.claimNext('cpu')
    ) {
      order.push(claim.id);
      expect(claim).toMatchObject({ state: 'running', attempts: 1 });
      app.queue.skip(claim.id, 'test');
    }
    expect(order).toEqual([...high.jobIds, ...low.jobIds]);
  });

  it('takes nothing while the whole queue is paused', async () => {
    const { app, services, files } = await appWithPhotos(1);
    await services.jobsEnqueue({ inputs: files, scale: 2 });
    expect(await services.jobsPause({})).toEqual({ changed: 1 });
    expect(app.queue.claimNext('auto')).toBeNull();
    expect((await services.jobsStatus()).paused).toBe(true);
    await services.jobsResume({});
    expect(app.queue.claimNext('auto')).not.toBeNull();
  });
});

describe('user actions', () => {
  it('pause, resume, cancel and retry move jobs between the right states only', async () => {
    const { app, services, files } = await appWithPhotos(3);
    const { jobIds } = await services.jobsEnqueue({ inputs: files, scale: 2 });
    const [a = 0, b = 0, c = 0] = jobIds;
    const events: ServiceEvent[] = [];
    app.events.subscribe((event) => events.push(event));

    expect(await services.jobsPause({ ids: [a] })).toEqual({ changed: 1 });
    expect(app.queue.claimNext('auto')?.id).toBe(b);
    app.queue.fail(b, 'boom');
    expect(await services.jobsCancel({ ids: [c, b] })).toEqual({ changed: 1 });
    expect(await services.jobsRetry({})).toEqual({ changed: 1 });
    expect(await services.jobsResume({ ids: [a] })).toEqual({ changed: 1 });
    expect((await services.jobsList({})).map((job) => [job.id, job.state])).toEqual([
      [a, 'queued'],
      [b, 'queued'],
      [c, 'cancelled'],
    ]);
    expect(await services.jobsRetry({ ids: [c] })).toEqual({ changed: 1 });
    expect(events.filter((event) => event.type === 'job').length).toBeGreaterThanOrEqual(6);
    expect(await services.jobsCancel({})).toEqual({ changed: 3 });
    expect((await services.jobsStatus()).counts).toMatchObject({ queued: 0, cancelled: 3 });
  });

  it('interrupts a running job that is paused or cancelled', async () => {
    const { app, services, files } = await appWithPhotos(2);
    await services.jobsEnqueue({ inputs: files, scale: 2 });
    const interrupted: number[] = [];
    app.queue.onInterrupt((id) => interrupted.push(id));
    const first = app.queue.claimNext('auto');
    await services.jobsCancel({ ids: [first?.id ?? 0] });
    const second = app.queue.claimNext('auto');
    await services.jobsPause({});
    expect(interrupted).toEqual([first?.id, second?.id]);
  });
});

describe('crash recovery bookkeeping', () => {
  it('requeues running jobs whose lease expired, keeping their claimed output', async () => {
    const { app, services, files } = await appWithPhotos(3);
    await services.jobsEnqueue({ inputs: files, scale: 2 });
    const orphan = must(app.queue.claimNext('auto'));
    app.queue.claimOutput(orphan.id, '/out/claimed.jpg', 'some-model');
    abandon(app, orphan.id);
    const ours = must(app.queue.claimNext('auto'));
    // Another live backend on the same data directory, running a job of its own.
    const other = YonosApp.open({ dataDir: app.dataDir });
    onCleanup(() => other.close());
    const theirs = must(other.queue.claimNext('auto'));

    const requeued = app.queue.requeueInterrupted();
    expect(requeued.map((job) => [job.id, job.state, job.output, job.outputClaimed])).toEqual([
      [orphan.id, 'queued', '/out/claimed.jpg', true],
    ]);
    expect(app.queue.get(ours.id).state).toBe('running');
    expect(app.queue.get(theirs.id).state).toBe('running');
    expect(app.queue.get(orphan.id).settings.modelId).toBe('some-model');
  });

  it('takes a job back from a backend that froze past its lease, which then lets it go', async () => {
    const { app, services, files } = await appWithPhotos(1);
    const { jobIds } = await services.jobsEnqueue({ inputs: files, scale: 2 });
    const frozen = YonosApp.open({ dataDir: app.dataDir });
    onCleanup(() => frozen.close());
    const job = must(frozen.queue.claimNext('auto'));
    expect(app.queue.requeueInterrupted()).toEqual([]);
    // No heartbeat for longer than a lease: still running, but no longer trusted.
    app.db.prepare('UPDATE jobs SET lease_expires_at = 1 WHERE id = ?').run(job.id);

    expect(app.queue.requeueInterrupted().map((requeued) => requeued.id)).toEqual(jobIds);
    expect(must(app.queue.claimNext('auto')).id).toBe(job.id);
    // Waking up, the frozen backend learns at its next progress report that the job is gone.
    expect(frozen.queue.saveProgress(job.id, 0.5)).toBe(false);
    expect(app.queue.saveProgress(job.id, 0.5)).toBe(true);
  });

  it('takes a stale running job back on retry, whatever pid it names', async () => {
    const { app, services, files } = await appWithPhotos(2);
    const { jobIds } = await services.jobsEnqueue({ inputs: files, scale: 2 });
    const [stale = 0, live = 0] = jobIds;
    must(app.queue.claimNext('auto'));
    abandon(app, stale);
    must(app.queue.claimNext('auto'));
    expect(await services.jobsRetry({ ids: [stale, live] })).toEqual({ changed: 1 });
    expect(app.queue.get(stale)).toMatchObject({ state: 'queued', attempts: 1 });
    expect(app.queue.get(live).state).toBe('running');
  });

  it('knows our outputs, claimed or recorded, so watchers skip them', async () => {
    const { app, services, files } = await appWithPhotos(1);
    const { jobIds } = await services.jobsEnqueue({ inputs: files, scale: 2 });
    const job = app.queue.claimNext('auto');
    expect(job?.id).toBe(jobIds[0]);
    app.queue.claimOutput(job?.id ?? 0, '/out/a_x2.jpg', 'm');
    expect(app.queue.isOwnOutput('/out/a_x2.jpg')).toBe(true);
    app.queue.complete(job?.id ?? 0, {
      path: '/out/a_x2.jpg',
      modelId: 'm',
      width: 2,
      height: 2,
      format: 'jpg',
    });
    expect(app.queue.isOwnOutput('/out/a_x2.jpg')).toBe(true);
    expect(app.queue.isOwnOutput('/out/someone-else.jpg')).toBe(false);
    const photo = app.library.photo(job?.photoId ?? 0);
    expect(photo.status).toBe('enhanced');
    expect(photo.versions.map((version) => [version.path, version.jobId])).toEqual([
      ['/out/a_x2.jpg', job?.id],
    ]);
  });
});
