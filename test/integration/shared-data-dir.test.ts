/**
 * Two real `yonos` processes on one data directory: no work is done twice, only
 * one of them runs the watch folders, and `library recover` leaves a library
 * in use alone.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { databasePath } from '../../main/library/db.js';
import { enqueueResultSchema } from '../../common/contract.js';
import { dataDirUsers } from '../../main/library/data-dir-users.js';
import packageJson from '../../package.json' with { type: 'json' };
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, onCleanup, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const bin = path.resolve(packageJson.bin.yonos);

/** A `yonos` process, its output collected as it runs; killed after the test if still running. */
function start(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output, exited };
}

async function run(args: string[]) {
  const process = start(args);
  const code = await process.exited;
  return { code, ...process.output };
}

interface JobRow {
  input: string;
  state: string;
  attempts: number;
}

function readJobs(dataDir: string): JobRow[] {
  const db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], JobRow>('SELECT input, state, attempts FROM jobs ORDER BY input').all();
  } finally {
    db.close();
  }
}

async function folderOfPhotos(count: number): Promise<string> {
  const folder = await tempDir();
  for (let index = 0; index < count; index++) {
    await writePhoto(path.join(folder, `p${index}.jpg`), { seed: index, width: 24, height: 16 });
  }
  return folder;
}

describe('two processes on one data directory', () => {
  it('queue each photo once and run each job once', async () => {
    const dataDir = await tempDir();
    const photos = await folderOfPhotos(5);
    const out = await tempDir();
    const add = ['jobs', 'add', photos, '--scale', '2', '--out', out, '--json'];
    // Both start on a data directory with no database yet.
    const added = await Promise.all([
      run([...add, '--data-dir', dataDir]),
      run([...add, '--data-dir', dataDir]),
    ]);
    for (const result of added) expect(result.code, result.stderr).toBe(0);
    const results = added.map((result) => enqueueResultSchema.parse(JSON.parse(result.stdout)));
    expect(results.flatMap((result) => result.jobIds)).toHaveLength(5);
    expect(results.flatMap((result) => result.duplicates)).toHaveLength(5);

    const runJobs = ['jobs', 'run', '--models', fixtureModelsDir, '--data-dir', dataDir];
    const runs = await Promise.all([run(runJobs), run(runJobs)]);
    for (const result of runs) expect(result.code, result.stderr).toBe(0);

    const jobs = readJobs(dataDir);
    expect(jobs.map((job) => [path.basename(job.input), job.state, job.attempts])).toEqual(
      [0, 1, 2, 3, 4].map((index) => [`p${index}.jpg`, 'done', 1]),
    );
    expect((await readdir(out)).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `p${i}_x2.jpg`));
  });

  it('let only one of them run the watch folders, and tell the other why', async () => {
    const dataDir = await tempDir();
    const folder = await folderOfPhotos(5);
    const watchArgs = ['watch', folder, '--scale', '2', '--out', path.join(folder, 'enhanced')];
    const common = ['--models', fixtureModelsDir, '--data-dir', dataDir];
    const first = start([...watchArgs, ...common, '--json']);
    await waitFor(
      () =>
        first.output.stdout.split('\n').filter((line) => line.includes('"queued"')).length === 5,
      'the first watch to queue the five photos',
      60_000,
    );

    const second = start([...watchArgs, ...common]);
    expect(await second.exited).toBe(1);
    expect(second.output.stderr).toMatch(
      /The watch folders of this library are already run by yonos watch \(pid \d+\)/,
    );
    expect(second.output.stdout).toBe('');

    first.child.kill('SIGTERM');
    expect(await first.exited, first.output.stderr).toBe(0);
    expect(readJobs(dataDir).map((job) => path.basename(job.input))).toEqual(
      [0, 1, 2, 3, 4].map((index) => `p${index}.jpg`),
    );
  });

  it('keep `library recover` away from a library in use, and from a healthy one', async () => {
    const dataDir = await tempDir();
    const photos = await folderOfPhotos(2);
    expect((await run(['library', 'import', photos, '--data-dir', dataDir])).code).toBe(0);

    const healthy = await run(['library', 'recover', '--data-dir', dataDir]);
    expect(healthy.code).toBe(1);
    expect(healthy.stderr).toContain('passes the integrity check; there is nothing to recover');

    const holder = start(['jobs', 'run', '--wait', '--data-dir', dataDir]);
    await waitFor(() => dataDirUsers(dataDir).length > 0, 'yonos jobs run to open the library');
    const inUse = await run(['library', 'recover', '--data-dir', dataDir]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/is in use by yonos jobs run \(pid \d+\)/);
    holder.child.kill('SIGTERM');
    expect(await holder.exited).toBe(0);

    expect((await readdir(dataDir)).filter((name) => name.includes('damaged'))).toEqual([]);
    const listed = await run(['library', 'list', '--json', '--data-dir', dataDir]);
    expect((JSON.parse(listed.stdout) as { photos: unknown[] }).photos).toHaveLength(2);
  });
});
