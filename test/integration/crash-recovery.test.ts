/**
 * Crash recovery with the real `yonos` bin: `yonos jobs run` is killed with
 * SIGKILL in the middle of a job, started again, and every job must end done
 * exactly once, with one output file each and no partial files.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { databasePath } from '../../main/library/db.js';
import { migrate } from '../../main/library/migrations.js';
import packageJson from '../../package.json' with { type: 'json' };
import { writePhoto } from '../support/images.js';
import { readJobs } from '../support/job-rows.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const bin = path.resolve(packageJson.bin.yonos);

function yonos(dataDir: string, args: string[]) {
  const child = spawn(process.execPath, [bin, ...args, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function finish(run: ReturnType<typeof yonos>): Promise<string> {
  const [code] = (await once(run.child, 'exit')) as [number | null];
  expect(code, run.output()).toBe(0);
  return run.output();
}

describe('crash recovery', () => {
  it('finishes every job exactly once after the worker is killed mid-job', async () => {
    const dataDir = await tempDir();
    const photos = await tempDir();
    const out = await tempDir();
    for (let index = 0; index < 3; index++) {
      await writePhoto(path.join(photos, `photo-${index}.jpg`), {
        width: 320,
        height: 240,
        seed: index,
      });
    }
    await finish(
      yonos(dataDir, ['jobs', 'add', photos, '--scale', '2', '--tile', '32', '--out', out]),
    );

    const first = yonos(dataDir, ['jobs', 'run', '--models', fixtureModelsDir]);
    const interrupted = await waitFor(
      () => readJobs(dataDir).find((job) => job.state === 'running' && job.progress > 0),
      'a job to be part-way through',
      60_000,
    );
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(readJobs(dataDir).find((job) => job.id === interrupted.id)?.state).toBe('running');

    await finish(yonos(dataDir, ['jobs', 'run', '--models', fixtureModelsDir]));

    const jobs = readJobs(dataDir);
    expect(jobs.map((job) => job.state)).toEqual(['done', 'done', 'done']);
    expect(jobs.find((job) => job.id === interrupted.id)?.attempts).toBe(2);
    expect((await readdir(out)).sort()).toEqual([
      'photo-0_x2.jpg',
      'photo-1_x2.jpg',
      'photo-2_x2.jpg',
    ]);
    expect(jobs.map((job) => path.basename(job.output)).sort()).toEqual(await readdir(out));
    expect((await readdir(photos)).sort()).toEqual(['photo-0.jpg', 'photo-1.jpg', 'photo-2.jpg']);

    const db = new Database(databasePath(dataDir), { readonly: true });
    const versions = db.prepare('SELECT job_id FROM versions ORDER BY job_id').all();
    db.close();
    expect(versions).toEqual(jobs.map((job) => ({ job_id: job.id })));
  }, 120_000);
});

describe('jobs left running by a process that is gone', () => {
  /** Settings as every schema version stores them. */
  function settingsJson(out: string): string {
    return JSON.stringify({
      modelId: null,
      scale: 2,
      steps: null,
      tile: 32,
      format: null,
      quality: null,
      template: '{name}_x{scale}',
      collision: 'skip',
      outDir: out,
      sourceRoot: null,
    });
  }

  it('runs a job that a database from before leases says pid 1 is running', async () => {
    const dataDir = await tempDir();
    const out = await tempDir();
    const input = await writePhoto(path.join(await tempDir(), 'stuck.jpg'), { seed: 3 });
    // Pid 1 is always alive, so a liveness check would wait for it forever.
    const old = new Database(databasePath(dataDir));
    old.pragma('journal_mode = WAL');
    migrate(old, 4);
    old.exec("INSERT INTO batches (id, label, created_at) VALUES (1, 'before the reboot', 1)");
    old
      .prepare(
        `INSERT INTO jobs (batch_id, input, settings, output, state, worker_pid, attempts, created_at)
         VALUES (1, ?, ?, ?, 'running', 1, 1, 1)`,
      )
      .run(input, settingsJson(out), path.join(out, 'stuck_x2.jpg'));
    old.close();

    await finish(yonos(dataDir, ['jobs', 'run', '--models', fixtureModelsDir]));
    expect(readJobs(dataDir)).toMatchObject([{ state: 'done', attempts: 2 }]);
    expect(await readdir(out)).toEqual(['stuck_x2.jpg']);
  });

  it('takes a job whose lease expired back on `jobs run` and on `jobs retry`', async () => {
    const dataDir = await tempDir();
    const photos = await tempDir();
    const out = await tempDir();
    for (const name of ['a', 'b']) await writePhoto(path.join(photos, `${name}.jpg`));
    await finish(yonos(dataDir, ['jobs', 'add', photos, '--scale', '2', '--out', out]));
    const expireLease = (id: number): void => {
      const db = new Database(databasePath(dataDir));
      db.prepare(
        `UPDATE jobs SET state = 'running', lease_owner = 'gone', lease_expires_at = 1
         WHERE id = ?`,
      ).run(id);
      db.close();
    };
    const [first, second] = readJobs(dataDir);
    expireLease(first?.id ?? 0);
    expireLease(second?.id ?? 0);

    const retried = await finish(yonos(dataDir, ['jobs', 'retry', String(first?.id), '--json']));
    expect(JSON.parse(retried)).toEqual({ changed: 1 });
    expect(readJobs(dataDir).map((job) => job.state)).toEqual(['queued', 'running']);

    await finish(yonos(dataDir, ['jobs', 'run', '--models', fixtureModelsDir]));
    expect(readJobs(dataDir).map((job) => job.state)).toEqual(['done', 'done']);
    expect((await readdir(out)).sort()).toEqual(['a_x2.jpg', 'b_x2.jpg']);
  });
});
