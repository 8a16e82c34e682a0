/** Cluster test helpers: real `yonos worker` processes and their JSON Lines events. */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { databasePath } from '../../main/library/db.js';
import { jsonLines, startYonos, type CliProcess } from './cli.js';
import { fixtureModelsDir, onCleanup, tempDir } from './temp.js';
import { waitFor } from './wait.js';

export interface TestWorker extends CliProcess {
  events: () => Record<string, unknown>[];
}

/** A worker on the fixture models (or `models`), with a short stall timeout so a killed one is noticed soon. */
export async function startWorker(url: string, models = fixtureModelsDir): Promise<TestWorker> {
  const dataDir = await tempDir('yonos-worker-data-');
  const run = await startYonos([
    'worker',
    '--cluster',
    url,
    '--models',
    models,
    '--data-dir',
    dataDir,
    '--stall-timeout',
    '3',
    '--threads',
    '1',
    '--json',
  ]);
  onCleanup(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
  });
  const worker = { ...run, events: () => jsonLines(run.stdout()) };
  await waitFor(
    () => worker.events().some((event) => event.type === 'ready') || run.child.exitCode !== null,
    'the worker to be ready',
    60_000,
  );
  if (run.child.exitCode !== null) throw new Error(`worker exited: ${run.stderr()}`);
  return worker;
}

/** Job ids a worker landed on its coordinator. */
export function landedBy(worker: TestWorker): number[] {
  return worker
    .events()
    .filter((event) => event.type === 'done' && event.landed === true)
    .map((event) => Number(event.jobId));
}

/** A copy of one fixture model under another version: same id, other weights' identity. */
export async function modelWithOtherVersion(id: string, version: string): Promise<string> {
  const dir = await tempDir('yonos-models-');
  await cp(path.join(fixtureModelsDir, id), path.join(dir, id), { recursive: true });
  const manifest = path.join(dir, id, 'manifest.json');
  const json = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  json.version = version;
  await writeFile(manifest, JSON.stringify(json));
  return dir;
}

export interface JobRow {
  id: number;
  state: string;
  attempts: number;
  progress: number;
  output: string;
}

export function readJobs(dataDir: string): JobRow[] {
  const db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], JobRow>('SELECT id, state, attempts, progress, output FROM jobs ORDER BY id')
      .all();
  } finally {
    db.close();
  }
}

/** Every file in a folder, temp files included: a test sees partial leftovers too. */
export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** The files of two folders, byte for byte. */
export async function sameFiles(expected: string, actual: string): Promise<boolean> {
  const names = await filesIn(expected);
  if (names.join('\n') !== (await filesIn(actual)).join('\n')) return false;
  for (const name of names) {
    const [a, b] = await Promise.all([
      readFile(path.join(expected, name)),
      readFile(path.join(actual, name)),
    ]);
    if (!a.equals(b)) return false;
  }
  return true;
}
