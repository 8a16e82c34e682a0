/**
 * Cluster test helpers: real `yonos worker` processes and their JSON Lines
 * events, coordinators, generated batches and the single-machine result.
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { jsonLines, runYonos, startYonos, type CliProcess } from './cli.js';
import { writePhoto } from './images.js';
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
  killAfterTest(run);
  const worker = { ...run, events: () => jsonLines(run.stdout()) };
  await waitFor(
    () => worker.events().some((event) => event.type === 'ready') || run.child.exitCode !== null,
    'the worker to be ready',
    60_000,
  );
  if (run.child.exitCode !== null) throw new Error(`worker exited: ${run.stderr()}`);
  return worker;
}

/** A `yonos` coordinator (`upscale --cluster`, `jobs run --cluster`), killed after the test if still running. */
export async function startCoordinator(args: string[]): Promise<CliProcess> {
  const run = await startYonos(args);
  killAfterTest(run);
  return run;
}

/** `yonos upscale --cluster` of a folder, into fresh output and data folders. */
export async function upscaleOnCluster(
  input: string,
  clusterUrl: string,
  args: string[],
): Promise<{ out: string; dataDir: string; coordinator: CliProcess }> {
  const out = await tempDir('yonos-out-');
  const dataDir = await tempDir('yonos-data-');
  const coordinator = await startCoordinator([
    'upscale',
    input,
    '--out',
    out,
    '--data-dir',
    dataDir,
    '--cluster',
    clusterUrl,
    ...args,
  ]);
  return { out, dataDir, coordinator };
}

function killAfterTest(run: CliProcess): void {
  onCleanup(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await run.exited;
  });
}

/** A folder of `count` generated photos, each with its own pixels. */
export async function photoFolder(
  count: number,
  size: { width: number; height: number },
): Promise<string> {
  const dir = await tempDir('yonos-photos-');
  for (let seed = 0; seed < count; seed++) {
    await writePhoto(path.join(dir, `photo-${String(seed).padStart(2, '0')}.jpg`), {
      ...size,
      seed: seed + 1,
    });
  }
  return dir;
}

/** The single-machine result of the same `yonos upscale`: what the cluster must write byte for byte. */
export async function singleMachineResult(input: string, args: string[]): Promise<string> {
  const out = await tempDir('yonos-reference-');
  const dataDir = await tempDir('yonos-data-');
  const run = await runYonos(['upscale', input, '--out', out, '--data-dir', dataDir, ...args]);
  expect(run.code, run.stderr).toBe(0);
  return out;
}

/** Job ids a worker landed on its coordinator. */
export function landedBy(worker: TestWorker): number[] {
  return worker
    .events()
    .filter((event) => event.type === 'done' && event.landed === true)
    .map((event) => Number(event.jobId));
}

/** Jobs 1…count landed, each by exactly one of the workers. */
export function expectLandedOnce(workers: TestWorker[], count: number): void {
  const landed = workers.flatMap(landedBy).sort((a, b) => a - b);
  expect(landed).toEqual(Array.from({ length: count }, (_, index) => index + 1));
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
